/**
 * When the loop learned of an answer. A completion callback that reads the
 * clock itself is late by every callback the poll phase ran before it: a
 * phase that delivers thousands of answers runs for 100 ms and more, and
 * those round trips read that much too long (lab rtt200: p90 276 ms for a
 * 200 ms path). Every event of one epoll_wait was in the kernel when it
 * returned, so the phase's first callback time bounds them all from above.
 * libuv reads the kernel again within one phase only after a full batch of
 * 1,024 events; the first EARLY answers of a phase are certainly of its first
 * read (fewer than 1,024 − EARLY events of other kinds share it: the banner
 * stage holds at most 256 sockets by default), later ones read the clock.
 * Another callback of the phase that came first (the coordinator's, for an
 * engine on its thread) bounds them earlier still (src/wire/poll-phase.ts).
 */
import { pollMarkedAt } from '../src/wire/poll-phase.js';

const EARLY = 512;

export class PhaseClock {
  /** performance.now() of this phase's first delivered answer, or of an earlier callback that marked the phase (0: none yet). */
  polledAt = 0;
  private answers = 0;

  /**
   * The time to count an answer at: the phase's start for its first EARLY
   * answers of attempts started before it, else now. Never before the true
   * arrival, so a round trip can read long, never short (a short one would
   * shrink timeouts onto answers still on the way).
   */
  answerAt(start: number, atOnce: boolean): number {
    const now = performance.now();
    if (atOnce) return now;
    if (this.polledAt === 0) this.polledAt = pollMarkedAt() || now;
    return this.answers++ < EARLY && this.polledAt > start ? this.polledAt : now;
  }

  /** The check phase ran: the next answers are a new phase's. */
  reset(): void {
    this.polledAt = 0;
    this.answers = 0;
  }
}
