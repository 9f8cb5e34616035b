/**
 * When the loop learned of an answer. A completion callback that reads the
 * clock itself is late by every callback the poll phase ran before it: a
 * phase that delivers thousands of answers runs for 100 ms and more, and
 * those round trips read that much too long (lab rtt200: p90 276 ms for a
 * 200 ms path). Every event of one epoll_wait was in the kernel when it
 * returned, so the phase's first callback time bounds them all from above:
 * the thread's poll phase as src/wire/poll-phase.ts keeps it (the first
 * answer's time, or an earlier callback's that marked the phase).
 *
 * The engine keeps the phase start its answers were timed by (polledAt) for
 * its check phase, which decides only the deadlines up to it: the thread's
 * own record is cleared by an immediate that may run before the engine's
 * check (queued first, at the phase's first callback), and a deadline that
 * passed during a long phase was then decided against "now", before an
 * answer still unread in the kernel.
 */
import { answerTime, endPhase, phaseStart } from '../src/wire/poll-phase.js';

export class PhaseClock {
  /** performance.now() of the first callback of the phase this engine's answers came in (0: none since its last check). */
  polledAt = 0;

  /** The time to count an answer at (poll-phase.ts answerTime). */
  answerAt(start: number, atOnce: boolean): number {
    const at = answerTime(start, atOnce);
    if (!atOnce && this.polledAt === 0) this.polledAt = phaseStart();
    return at;
  }

  /** The check phase ran: the next answers are a new phase's. */
  reset(): void {
    this.polledAt = 0;
    endPhase();
  }
}
