/**
 * A target this machine has no route to is this machine's problem, not a
 * port state: connect() fails at once, nothing leaves, and the probes are
 * reported as error/ENETUNREACH with a note on stderr, never as filtered.
 * Runs in a namespace of its own with only a loopback (no route anywhere).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from './helpers/cli.js';
import { Netns, netnsUnavailable } from './helpers/netns.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`network-namespace tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

describe.skipIf(skip)('no route to the targets', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = Netns.create();
  });
  afterAll(() => ns?.destroy());

  it.each(['handle', 'socket'])('is an error with the errno and a note, not filtered (engine %s)', async (engine) => {
    // 198.18.0.0/15 is the benchmarking range; this namespace has no route to it (or to anything).
    const r = await runCli(['198.18.0.0/30,198.19.1.2', '-p', '80,443', '-f', 'ndjson', '--states', 'all', '--engine', engine, '--no-out-dir'], { prefix: ns.prefix });
    expect(r.code).toBe(0);
    const records = ndjson(r.stdout);
    expect(records).toHaveLength(10);
    for (const rec of records) expect(rec).toMatchObject({ state: 'error', reason: 'ENETUNREACH' });
    expect(r.stderr.match(/has no route to/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/shardscan: this machine has no route to 198\.18\.0\.0\/15: its probes failed before leaving/);
    expect(r.stderr).toMatch(/open 0, closed 0, filtered 0, error 10; local events: no-route 10/);
  });

  it.each(['handle', 'socket'])('a prohibit or blackhole route is this machine holding the probes: an error, not filtered (engine %s)', async (engine) => {
    // connect() fails at once: EACCES for prohibit, EINVAL for blackhole. Nothing leaves (the namespace has no link).
    for (const [kind, net] of [['prohibit', '198.18.7.0/24'], ['blackhole', '198.18.8.0/24']]) execFileSync('ip', ['-n', ns.name, 'route', 'replace', kind!, net!]);
    const r = await runCli(['198.18.7.1,198.18.8.1', '-p', '80,443', '-f', 'ndjson', '--states', 'all', '--engine', engine, '--no-out-dir'], { prefix: ns.prefix });
    expect(r.code).toBe(0);
    const records = ndjson(r.stdout).map((rec) => `${rec.host} ${rec.port} ${rec.state} ${rec.reason}`).sort();
    expect(records).toEqual(['198.18.7.1 443 error EACCES', '198.18.7.1 80 error EACCES', '198.18.8.1 443 error EINVAL', '198.18.8.1 80 error EINVAL']);
    expect(r.stderr).toMatch(/has no route to 198\.18\./);
    expect(r.stderr).toMatch(/open 0, closed 0, filtered 0, error 4; local events: no-route 4/);
  });
});
