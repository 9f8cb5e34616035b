/**
 * Late answers from hosts not heard from yet.
 *
 * A host farther away than its timeout (`--initial-rtt-timeout` until its own
 * round trip is measured) answers only after its first tries have timed out.
 * Closing their sockets then made it look dead: never heard from, it got no
 * retry, and every port was filtered, where nmap, whose second probe still
 * hears the first one's late answer, found it. So a first try to a host that
 * has answered nothing keeps its socket open past its timeout, up to twice
 * its timeout (within the `--timeout` ceiling and `--host-timeout`); its
 * window slot is given back at the timeout, so a sweep of dead space is as
 * fast as before, and only its last decisions wait the extra time. A late
 * answer decides the port and gives the host its round trip; a late socket
 * that hears nothing goes on as a timed-out try (afterTimeout: filtered, or a
 * retry if the host was heard meanwhile). nmap waits for a silent host's port
 * as long: two timeouts, one per probe, where this sends one.
 *
 * The late sockets are descriptors outside the window: at most the worker's
 * share of the descriptors the window leaves free, and of the window itself
 * (src/pool/spec.ts lateBudget). Only a socket still open when the kernel
 * sends its own second SYN, 1 s after the first, gives a port of a silent
 * host a second chance: in a sweep of dead space with a few live hosts, each
 * answering on one port, every probe leaves the window at its timeout, and
 * with a quarter of the window as the budget (the default window leaves a
 * fifth of the descriptors free when they bound it) three in four were
 * closed at 1 s, so a lost SYN or SYN-ACK left a live host's one port
 * filtered (lab, 2 % loss each way, a /18 × 1 port: 1 in 3 to 6 runs).
 *
 * So a late answer may answer that second SYN, and its time is then no round
 * trip: it is a sample only for a host (or the scan) that has none yet
 * (Karn's rule), and nothing for the windows, which it left at its timeout.
 * Taken, answers 1.03 s after probes to hosts 20 ms away set the scan's mean
 * round trip to 0.4-1.6 s, and the scan, paced by it, sent a few probes a
 * second for 3 s (50 SYNs/s shared by 4 hosts; loop.ts answered).
 */
import { firstTryListenMs } from '../src/model/scan.js';
import type { Attempt } from './attempt.js';
import type { Congestion } from './congestion.js';
import type { Expiry } from './expiry.js';
import type { Timing } from './timing.js';

export class LateListen {
  /** Attempts listening late now. */
  private listening = 0;

  constructor(
    /** Late sockets at most at once. */
    private readonly budget: number,
    /** The timeout ceiling, ms (--timeout, --max-rtt-timeout). */
    private readonly maxMs: number,
    private readonly timing: Timing,
    private readonly congestion: Congestion,
    private readonly expiry: Expiry,
    /** Takes the attempt out of the windows' counts and gives its slot back. */
    private readonly leaveWindow: (a: Attempt) => void,
  ) {}

  /**
   * Whether the attempt, just timed out, keeps listening: a first try to a
   * host not heard from, room in the budget, and time left before its end.
   * If so its deadline moves out, it is marked `late`, and its window slot
   * and counts go back.
   */
  keep(a: Attempt, now: number): boolean {
    if (a.late || a.history.tries !== 0 || a.twin !== null) return false;
    if (this.timing.heardFrom(a.target)) return false;
    // Timed out unanswered all the same (the loop told Timing.timedOut): the scan's delivery rate counts it if it left
    // paced (congestion.ts unanswered).
    this.congestion.unanswered(now, a.start);
    if (a.chunk.stopped || this.listening >= this.budget) return false;
    const end = Math.min(a.start + firstTryListenMs(a.deadline - a.start, this.maxMs), this.timing.clock.end(a.target));
    if (end <= now) return false;
    a.late = true;
    this.listening++;
    this.expiry.listenLate(a, end);
    this.leaveWindow(a);
    return true;
  }

  /** A late attempt is over (answered, its late window ended, or dropped). */
  ended(): void {
    this.listening--;
  }

  /** Late sockets open now (the loop counts them as work in flight). */
  get count(): number {
    return this.listening;
  }
}
