/**
 * Exact behind a SYN rate limit that passes few (lab/): 100 SYNs/s to a host
 * at RTT 20 ms, 300 ports. Such a limiter gives few answers to retries,
 * ~55 a second, never the 8 in one round trip that shrink a window: no
 * window shrank, the scan went on at ~4,700 probes/s, and ~245 of 300 ports
 * were called filtered at the --retries cap, in every run (an audit of
 * stop 42). Loss is also counted over half a second (workers/congestion.ts).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { scanScored, skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.3';
const PORTS = 300;
const OPEN = sample(Array.from({ length: PORTS }, (_, i) => i + 1), 10, rng(1));

describe.skipIf(skip)('a SYN rate limit of 100/s, RTT 20 ms, 300 ports', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, seed: 1, hosts: [HOST], rules: [{ kind: 'syn-limit', host: HOST, perSecond: 100 }] });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults slows to what the limiter passes and gets every port right', async () => {
    const r = await scanScored(lab, HOST, PORTS, ['--seed', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await lab.stats()).clean).toBe(true);
    expect(r.score.examples).toEqual([]);
    expect(r.score.exact).toBe(true);
    // It slowed down: a window shrank.
    const shrinks = Object.values(r.timing?.windowShrinks ?? {}).reduce((a, b) => a + b, 0);
    expect(shrinks).toBeGreaterThan(0);
  });
});
