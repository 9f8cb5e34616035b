/**
 * A scan that nothing answered says so after its summary, and names how long
 * its probes waited (--initial-rtt-timeout, and on past it for a late answer):
 * a target farther away than that never answers in time, earns no retry, and
 * looks exactly like a dead one (as in nmap). The
 * silent target is LAB_SINK in the black-hole namespace (its only route leads
 * into a namespace that drops all TCP); the controls scan loopback.
 *
 * Needs root, iproute2 and nftables (SHARDSCAN_SKIP_ROOT_TESTS=1 skips).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Blackhole, LAB_SINK, blackhole } from './helpers/blackhole.js';
import { ndjson, runCli } from './helpers/cli.js';
import { netnsUnavailable } from './helpers/netns.js';
import { resolveConfig } from '../src/config/index.js';
import { firstWait } from '../src/cli/run.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) {
  throw new Error(`the black-hole tests cannot run: ${why}. Run as root with nftables, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

// The 400 ms a first try to a silent host listened (--initial-rtt-timeout 200 ms, then on for a late answer), not the 200 it once named.
const NOTE = /^shardscan: note: nothing answered \(no SYN-ACK, reset or ICMP error\): .*round trip is longer than the 400 ms each probe waited \(--initial-rtt-timeout 200 ms, then on for a late answer\); if they may be that far, raise --initial-rtt-timeout$/m;
const ARGS = ['-p', '80,443', '--initial-rtt-timeout', '200ms', '--max-time', '10', '--no-out-dir', '-f', 'ndjson', '--states', 'all'];

describe.skipIf(skip)('nothing answered', () => {
  let bh: Blackhole;
  beforeAll(() => {
    bh = blackhole();
  });
  afterAll(() => bh?.destroy());

  it('every port filtered by timeout: the note follows the summary, once', async () => {
    const r = await runCli([LAB_SINK, ...ARGS], { prefix: bh.prefix });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => `${x.state}/${x.reason}`)).toEqual(['filtered/timeout', 'filtered/timeout']);
    expect(r.stderr.match(new RegExp(NOTE.source, 'gm'))).toHaveLength(1);
    expect(r.stderr.indexOf('shardscan: note: nothing answered')).toBeGreaterThan(r.stderr.indexOf('filtered 2'));
    expect(bh.syns().lab).toBeGreaterThan(0);
  });

  it('-q keeps it quiet', async () => {
    const r = await runCli([LAB_SINK, ...ARGS, '-q'], { prefix: bh.prefix });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('control: ports that answered (loopback: closed, or open) mean no note', async () => {
    const r = await runCli(['127.0.0.1', ...ARGS]);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).filter((x) => x.state !== 'closed' && x.state !== 'open')).toEqual([]);
    expect(r.stderr).not.toMatch(/nothing answered/);
  });
});

describe('the wait the note names', () => {
  const base = resolveConfig({ targets: ['127.0.0.1'] }, { tuning: null }).config;
  it('is what a first try listens, past --initial-rtt-timeout for a late answer, when nothing capped it (it named 1000 ms after probes that waited 2000)', () => {
    expect(firstWait({ ...base, initialRttTimeoutMs: 1000 })).toBe('the 2000 ms each probe waited (--initial-rtt-timeout 1000 ms, then on for a late answer); if they may be that far, raise --initial-rtt-timeout');
  });

  it('names the ceiling that cut the late listening short', () => {
    expect(firstWait({ ...base, initialRttTimeoutMs: 2000 })).toBe('the 3000 ms each probe waited (--initial-rtt-timeout 2000 ms, then on for a late answer up to --timeout); if they may be that far, raise --initial-rtt-timeout and --timeout');
    expect(firstWait({ ...base, minRttTimeoutMs: 1200 })).toBe('the 2400 ms each probe waited (--min-rtt-timeout 1200 ms, then on for a late answer); if they may be that far, raise --initial-rtt-timeout above it');
  });

  it('names the ceiling that capped it (the note said 1000 ms after probes that waited 50)', () => {
    expect(firstWait({ ...base, timeoutMs: 50 })).toBe('the 50 ms each probe waited (--initial-rtt-timeout 1000 ms, capped by --timeout); if they may be that far, raise --timeout too');
    expect(firstWait({ ...base, maxRttTimeoutMs: 150 })).toBe('the 150 ms each probe waited (--initial-rtt-timeout 1000 ms, capped by --max-rtt-timeout); if they may be that far, raise --max-rtt-timeout too');
    expect(firstWait({ ...base, initialRttTimeoutMs: 5000 })).toMatch(/^the 3000 ms each probe waited \(--initial-rtt-timeout 5000 ms, capped by --timeout\)/);
  });
});
