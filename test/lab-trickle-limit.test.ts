/**
 * Exact behind a SYN rate limit that passes very few (lab/): 10 SYNs/s to a
 * host at RTT 20 ms, 100 ports. The smallest window was two probes, paced
 * srtt / 2 apart: 100/s at 20 ms whatever the limiter passed, and its few
 * answers to retries (5 in half a second) never made the evidence that
 * shrinks a window, so the retries ran out in ~1.4 s: 85 of 100 ports called
 * filtered, every run. A window now shrinks below one probe in flight, a
 * pacing interval longer than the round trip (workers/congestion-tuning.ts
 * MIN_WINDOW, SLOW_LOSS_MIN), and a try behind such a window is tried again
 * up to --retries whatever the evidence (workers/timing.ts mayRetry: without
 * it, 1 port in most runs). Needs root, iproute2, nftables and gcc;
 * SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { scanScored, skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.3';
const PORTS = 100;
const OPEN = sample(Array.from({ length: PORTS }, (_, i) => i + 1), 5, rng(3));

describe.skipIf(skip)('a SYN rate limit of 10/s, RTT 20 ms, 100 ports', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, seed: 3, hosts: [HOST], rules: [{ kind: 'syn-limit', host: HOST, perSecond: 10 }] });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults paces below one probe a round trip and gets every port right', async () => {
    const r = await scanScored(lab, HOST, PORTS, ['--seed', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await lab.stats()).clean).toBe(true);
    expect(r.score.examples).toEqual([]);
    expect(r.score.exact).toBe(true);
    expect(r.timing?.retryCapHits).toBe(0);
  }, 60_000);
});
