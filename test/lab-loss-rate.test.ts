/**
 * Random loss is not congestion (lab/): 2 % loss each way at RTT 20 ms on
 * 20,000 ports. Every lost probe's retry is answered, and that is loss
 * evidence; but random loss takes the same share at any rate, and shrinking
 * the window on it only ratcheted it down (each shrink to a delivery rate the
 * loss had thinned): 40,000 such ports took 10-11 s with 21-27 shrinks, and
 * 2.2-3.0 s once a shrink needed an eighth of a round trip's answers lost
 * (workers/congestion.ts). The scan must stay exact either way.
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { scanScored, skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.10';
const PORTS = 20_000;
const OPEN = sample(Array.from({ length: PORTS }, (_, i) => i + 1), 20, rng(17));

describe.skipIf(skip)('2 % random loss each way at RTT 20 ms, 20,000 ports', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, lossPct: 2, seed: 8, hosts: [HOST] });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults is exact and does not take the loss for congestion', async () => {
    const r = await scanScored(lab, HOST, PORTS, ['--seed', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stats = await lab.stats();
    expect(stats.clean).toBe(true);
    // The path really lost packets: ~2 % of 20,000 SYNs.
    expect(stats.relay.ab.lost).toBeGreaterThan(200);
    expect(r.score.examples).toEqual([]);
    expect(r.score.exact).toBe(true);
    expect(r.timing?.retriesAnswered).toBeGreaterThan(200);
    const shrinks = Object.values(r.timing?.windowShrinks ?? {}).reduce((a, b) => a + b, 0);
    expect(shrinks).toBeLessThanOrEqual(2);
  });
});
