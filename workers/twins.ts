/**
 * Retries sent twice (timing.ts says 'twin' on a host whose retries mostly get
 * answers: a path that loses packets). A retry lost there costs one more whole
 * timeout, and at the end of a scan nothing else fills that time: at 2 % loss
 * each way and 200 ms, the last thousands of probes always held a few that lost
 * two tries in a row, so the scan waited out two or three timeouts (~0.25 s
 * each) after its last first try. With two copies, a retried position needs
 * a third try 0.16 % of the time instead of 4 %. The cost is ~2.5 % more
 * probes: in the lab, 650 retries sent instead of 404 per 10,000 probes
 * (retries sent before there is evidence go once).
 *
 * The copies start one after the other (the second is next in line after the
 * first, through the same windows and pacing). The first answer decides the
 * position and closes the other copy; a copy that times out, self-connects or
 * fails on this machine passes the position, and its place in the host's
 * count of retries out, on to the other copy, which is then judged alone.
 */
import type { Attempt, Pending } from './attempt.js';
import type { PendingQueue } from './pending.js';
import type { Timing } from './timing.js';

export class Twins {
  constructor(
    private readonly pending: PendingQueue,
    private readonly timing: Timing,
    /** Closes an attempt that has no result now and releases it. */
    private readonly drop: (a: Attempt) => void,
  ) {}

  /** A position taken from the pending queue is worth starting (false: a second copy whose first is over). */
  wanted(p: Pending | null): boolean {
    return p?.twinOf === undefined || !p.twinOf.done;
  }

  /** An attempt from the pending entry `p` is about to start: pair a second copy with its first. */
  starting(p: Pending | null, a: Attempt): void {
    const first = p?.twinOf;
    if (first === undefined) return;
    a.twin = first;
    first.twin = a;
    this.timing.twinSent();
  }

  /** An attempt from the pending entry `p` started: a retry to send twice queues its second copy first in line. */
  started(p: Pending | null, a: Attempt): void {
    if (p?.twin && !a.done) this.pending.unshift({ chunk: p.chunk, k: p.k, history: p.history, readyAt: 0, twinOf: a });
  }

  /**
   * A copy ended (before its release). With an answer, the other copy is
   * closed and false: decide as usual. Without one (`answer` false), true when
   * the other copy flies on and now carries the position: nothing to decide
   * (`timedOut`: this copy timed out, so if that one does too, both were lost).
   */
  ended(a: Attempt, answer: boolean, timedOut = false): boolean {
    const other = a.twin;
    if (other === null) return false;
    a.twin = null;
    other.twin = null;
    if (other.done) return false;
    if (answer) {
      this.drop(other);
      return false;
    }
    other.retryOut ||= a.retryOut;
    other.pairTimedOut = timedOut;
    a.retryOut = false;
    return true;
  }
}
