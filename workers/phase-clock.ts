/**
 * When the loop learned of an answer. A completion callback that reads the
 * clock itself is late by every callback the poll phase ran before it: a
 * phase that delivers thousands of answers runs for 100 ms and more, and
 * those round trips read that much too long (lab rtt200: p90 276 ms for a
 * 200 ms path). Every event of one epoll_wait was in the kernel when it
 * returned, so the phase's first callback time bounds them all from above:
 * the thread's poll phase as src/wire/poll-phase.ts keeps it (the first
 * answer's time, or an earlier callback's that marked the phase).
 */
import { answerTime, endPhase, phaseStart } from '../src/wire/poll-phase.js';

export class PhaseClock {
  /** performance.now() of this phase's first callback (0: none yet). */
  get polledAt(): number {
    return phaseStart();
  }

  /** The time to count an answer at (poll-phase.ts answerTime). */
  answerAt(start: number, atOnce: boolean): number {
    return answerTime(start, atOnce);
  }

  /** The check phase ran: the next answers are a new phase's. */
  reset(): void {
    endPhase();
  }
}
