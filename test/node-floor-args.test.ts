/**
 * The Node floor (lab/node-floor.cts) refuses bad arguments with one line on
 * stderr and exit 2, before it opens a socket. Only loopback and unparseable
 * targets, and the refusals run in a namespace with no route out (unshare -n).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NODE_FLOOR } from '../lab/tools.js';

const floor = (args: string[]) => spawnSync(process.execPath, [NODE_FLOOR, ...args], { encoding: 'utf8', timeout: 10_000 });
/** In a network namespace of its own with no route anywhere (unshare -n), as the CLI's refusal tests run: a refusal with a bug sends nothing out. */
const isolatedFloor = (args: string[]) => spawnSync('unshare', ['-n', process.execPath, NODE_FLOOR, ...args], { encoding: 'utf8', timeout: 10_000 });

describe('node-floor arguments', () => {
  it.each([
    [['-p', '99999', '127.0.0.1'], /^node-floor: bad port range '99999'\. Usage: /],
    [['-p', '1', '300.1.1.1'], /^node-floor: bad target '300\.1\.1\.1' \(IPv4 address or CIDR, \/8 to \/32\)\. Usage: /],
    [['-p', '1', '127.0.0.0/33'], /^node-floor: bad target '127\.0\.0\.0\/33'/],
    [['-w', '0', '-p', '1', '127.0.0.1'], /^node-floor: -w takes a whole number of at least 1\. /],
    [['-r', 'x', '-p', '1', '127.0.0.1'], /^node-floor: -r takes a whole number\. /],
    [['-q', '-p', '1', '127.0.0.1'], /^node-floor: unknown option -q\. /],
    [['127.0.0.1'], /^node-floor: give -p PORTS and at least one target\. /],
  ])('%j: one line, exit 2, nothing scanned', (args, message) => {
    const r = isolatedFloor(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(message);
  });

  it('scans loopback and prints cscan lines and a summary', () => {
    const r = floor(['-a', '-T', '500', '-p', '1', '127.0.0.1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^closed 127\.0\.0\.1 1 [\d.]+ ECONNREFUSED\n$/);
    expect(JSON.parse(r.stderr)).toMatchObject({ probes: 1, open: 0, closed: 1, filtered: 0, localErrors: 0 });
  });
});
