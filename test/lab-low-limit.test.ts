/**
 * Exact behind a SYN rate limit that passes few (lab/), to a host at RTT 20 ms.
 * - 100 SYNs/s, 300 ports: such a limiter gives few answers to retries, ~55 a
 *   second, never the 8 in one round trip that shrink a window: no window
 *   shrank, the scan went on at ~4,700 probes/s, and ~245 of 300 ports were
 *   called filtered at the --retries cap, in every run (an audit of stop 42).
 *   Loss is also counted over half a second (workers/congestion.ts).
 * - 10 SYNs/s, 100 ports: the smallest window was two probes, paced srtt / 2
 *   apart, 100/s whatever the limiter passed, and its 5 answers to retries in
 *   half a second never shrank a window: the retries ran out in ~1.4 s, 85 of
 *   100 ports called filtered, every run. A window now shrinks below one probe
 *   in flight, a pacing interval longer than the round trip (congestion-tuning.ts
 *   MIN_WINDOW, SLOW_LOSS_MIN), and a try behind it is tried again up to
 *   --retries where the evidence ended it (timing.ts mayRetry: without it,
 *   1 port in most runs). Every port still loses ~4 tries before the first
 *   shrink, and under the suite's load a closed port reached the 11th try and
 *   was called filtered in 2 of 174 scans: those flood tries no longer count
 *   toward --retries (Tries.flood).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { expectExactSlowed, skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.3';

describe.skipIf(skip).each([
  { perSecond: 100, ports: 300, open: 10, seed: 1 },
  { perSecond: 10, ports: 100, open: 5, seed: 3 },
])('a SYN rate limit of $perSecond/s, RTT 20 ms, $ports ports', ({ perSecond, ports, open, seed }) => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, seed, hosts: [HOST], rules: [{ kind: 'syn-limit', host: HOST, perSecond }] });
    await lab.listen(HOST, sample(Array.from({ length: ports }, (_, i) => i + 1), open, rng(seed)));
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults slows to what the limiter passes and gets every port right', async () => {
    await expectExactSlowed(lab, HOST, ports);
  }, 60_000);
});
