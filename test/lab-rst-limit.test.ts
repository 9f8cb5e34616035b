/**
 * Exact against a host that limits its answers to closed ports (lab/), as
 * FreeBSD and macOS do (`net.inet.icmp.icmplim`: 200 RSTs a second, counted
 * per second; macOS 250): past the limit a closed port is silent, as if
 * filtered, while open ports' SYN-ACKs are never limited. The limit lets a
 * whole second's worth through at once, so the opening flood's first round
 * trip delivers 200 answers, ten times the rate that follows: the best recent
 * delivery rate held that, no window slowed to what the host passes, and
 * 1-669 of 990 closed ports were called filtered at the --retries cap (0 of 9
 * runs exact on 2026-12-05; nmap -T4: exact, 4.9 s). Most answers to retries
 * now come after two tries lost in a row, which random loss does not do, and
 * the host's window drops to its last interval's rate (workers/limiter.ts).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { scenario } from '../lab/scenarios.js';
import { expectExactSlowed, skipLab } from './helpers/lab.js';

const skip = skipLab();

describe.skipIf(skip)('a host that sends at most 200 RSTs a second, a burst of 200, RTT 20 ms, 1,000 ports', () => {
  const s = scenario('rstlimit', 1);
  const host = s.hosts[0]!;
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create(s.lab);
    for (const l of s.listeners) await lab.listen(l.host, l.ports);
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults slows to what the host answers and gets every port right', async () => {
    await expectExactSlowed(lab, host, s.ports.length);
  }, 60_000);
});
