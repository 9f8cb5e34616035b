/**
 * Safe by default, proven on the wire: the CLI runs in a namespace whose only
 * routes (IPv4 and IPv6) lead into a black hole, and nftables counts every
 * SYN it sends. Every refused case (the whole Internet, special-purpose
 * addresses, a /7 without --yes, a bad port list, a bad option) ends with
 * exit 2 and one line, and not one SYN. Then two controls show the counter
 * sees what a scan does send: a lab address is probed, and the blocked half
 * of a mixed target list is not.
 *
 * Needs root, iproute2 and nftables (SHARDSCAN_SKIP_ROOT_TESTS=1 skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Blackhole, LAB_SINK, blackhole } from './helpers/blackhole.js';
import { runCli } from './helpers/cli.js';
import { netnsUnavailable } from './helpers/netns.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) {
  throw new Error(`the black-hole tests cannot run: ${why}. Run as root with nftables, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

/** Bounds every run, should a refusal fail and a scan start. */
const BOUNDS = ['--timeout', '200', '--retries', '0', '--max-time', '2', '--no-out-dir', '-f', 'ndjson'];

describe.skipIf(skip)('nothing is sent before the checks pass', () => {
  let bh: Blackhole;
  beforeAll(() => {
    bh = blackhole();
  });
  afterAll(() => bh?.destroy());

  it.each<[string, string[], RegExp]>([
    ['the whole IPv4 Internet', ['0.0.0.0/0', '-p', '80'], /this scan covers 3,724,540,672 addresses outside loopback, more than 16,777,216 \(a \/8\); if you mean it, add --yes/],
    ['a multicast address', ['224.0.0.1', '-p', '80'], /every target is on the blocklist: 224\.0\.0\.1 \(multicast, in 224\.0\.0\.0\/4, RFC 5771\)\. To scan it anyway: --no-blocklist/],
    ['the limited broadcast address', ['255.255.255.255', '-p', '80'], /every target is on the blocklist: 255\.255\.255\.255 \(limited broadcast, RFC 919, RFC 8190\)/],
    ['the reserved 240.0.0.0/4', ['240.0.0.0/4', '-p', '80'], /every target is on the blocklist: 240\.0\.0\.0\/4 \(reserved, RFC 1112\)/],
    ['IPv6 all-nodes multicast', ['ff02::1', '-p', '80'], /every target is on the blocklist: ff02::1 \(multicast, in ff00::\/8, RFC 4291\)/],
    ['a /7 without --yes', ['10.0.0.0/7', '-p', '80'], /covers 33,554,432 addresses outside loopback, .*add --yes/],
    ['a bad port list', [LAB_SINK, '-p', '0-10'], /bad port list '0-10'/],
    ['a bad option', [LAB_SINK, '-p', '80', '--frobnicate'], /unknown option --frobnicate \(see shardscan --help\)/],
  ])('%s: exit 2, one line, no SYN', async (_what, args, message) => {
    const r = await runCli([...args, ...BOUNDS], { prefix: bh.prefix, killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(bh.syns()).toEqual({ lab: 0, other: 0 });
  });

  it('control: the counter sees a scan of the lab address, and the blocked target of the list gets nothing', async () => {
    const r = await runCli(['224.0.0.1', LAB_SINK, '-p', '9', ...BOUNDS], { prefix: bh.prefix, killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^shardscan: 1 address excluded by the blocklist: 224\.0\.0\.1 \(multicast, in 224\.0\.0\.0\/4\)$/m);
    expect(r.stdout).toBe(''); // the black hole answers nothing: filtered, and only open is shown
    expect(r.stderr).toMatch(/1\/1 probes \(1 host × 1 port\)/);
    const syns = bh.syns();
    expect(syns.lab).toBeGreaterThanOrEqual(1);
    expect(syns.other).toBe(0);
  });

  it('control: --no-blocklist lets a blocked address through to the kernel (which refuses multicast itself)', async () => {
    const r = await runCli(['224.0.0.1', '-p', '9', '--no-blocklist', '--states', 'all', ...BOUNDS], { prefix: bh.prefix, killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/"host":"224\.0\.0\.1","port":9/);
    expect(bh.syns().other).toBe(0);
  });
});
