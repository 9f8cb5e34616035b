/**
 * Attempts whose deadline passed, decided all at one instant in the loop's
 * check phase (answers that raced them won): each is tried again, decided
 * filtered (its rtt is its timeout), or waits for evidence (deferred in
 * Expiry), as Timing's verdict says; --host-timeout cuts its host's with an
 * error. A ping's answer (outage.ts) is judged here too, as the timed-out try
 * it followed.
 */
import type { PortState } from '../src/model/states.js';
import { type Attempt, type Pending, nextTry } from './attempt.js';
import type { Congestion } from './congestion.js';
import type { Expiry } from './expiry.js';
import type { LateListen } from './late.js';
import type { PendingQueue } from './pending.js';
import type { Timing } from './timing.js';
import type { Twins } from './twins.js';

export class Timeouts {
  constructor(
    private readonly expiry: Expiry,
    private readonly timing: Timing,
    private readonly congestion: Congestion,
    private readonly late: LateListen,
    private readonly twins: Twins,
    private readonly pending: PendingQueue,
    /** The attempt is over (its socket closed by Expiry). */
    private readonly release: (a: Attempt) => void,
    private readonly decide: (a: Attempt, state: PortState, reason: string, now: number) => void,
  ) {}

  /** Decide every attempt past its deadline, all at one instant (check phase only: answers that raced it won). */
  decideDue(cutoff: number): void {
    const retries: Pending[] = [];
    const due = this.expiry.takeDue(cutoff, this.timing);
    // When they are acted on, for the timers' precision (the cutoff is the poll phase's start, which may be earlier);
    // no clock read in the many check phases with nothing due.
    const now = due.length > 0 ? performance.now() : 0;
    for (const a of due) {
      if (!a.late) this.timing.ranOut(a.target, a.history, a.start, a.deadline, now); // a late one's once
      this.timing.timedOut(a.target, a.history, a.deadline);
      this.congestion.silent(a.target.cell, cutoff); // a window whose probes went silent has nothing else to judge its shrink by
      if (this.late.keep(a, cutoff)) continue; // it listens on for a late answer, its slot given back (late.ts)
      // The summary's timeouts: how long it waited, a late one's listening included, as its record says (a silent
      // host's read half of that); not one --host-timeout cut short.
      if (!this.timing.clock.reaches(a.target, a.deadline)) this.timing.stats.timeout(a.deadline - a.start);
      this.expiry.close(a);
      const passed = a.twin !== null && this.twins.ended(a, false, true); // a copy of a retry sent twice: judged once both are over
      this.release(a);
      if (!passed) this.afterTimeout(a, retries);
    }
    this.congestion.silent(0, cutoff); // and the scan's
    // Then the positions that waited for their host's retries: those that just timed out above may have settled it.
    for (const a of this.expiry.takeDeferred(cutoff, this.timing.evidence)) this.afterTimeout(a, retries);
    for (let i = retries.length - 1; i >= 0; i--) this.pending.unshift(retries[i]!); // retries first in line, oldest first
  }

  /** A position judged again as the timed-out try it was, now: its retry (if any) goes first in line. */
  judgeAgain(a: Attempt): void {
    const retries: Pending[] = [];
    this.afterTimeout(a, retries);
    for (const r of retries) this.pending.unshift(r);
  }

  /** A timed-out attempt: retry it, decide it filtered (its rtt is its timeout), or let it wait for evidence; cut by --host-timeout, an error. */
  private afterTimeout(a: Attempt, retries: Pending[]): void {
    if (!a.chunk.stopped && this.timing.clock.cut(a.target, a.deadline)) return this.decide(a, 'error', 'host-timeout', a.deadline);
    const verdict = a.chunk.stopped ? 'final' : this.timing.retryVerdict(a.target, a.history.tries, this.congestion.limits(a.target.cell, a.start), a.held, a.start, a.history.flood, a);
    if (verdict === 'wait' || verdict === 'hold') return this.expiry.defer(a, verdict === 'hold');
    if (verdict === 'final') return this.decide(a, 'filtered', 'timeout', a.deadline);
    retries.push(nextTry(a, verdict === 'ping' ? 'ping' : 'tries', verdict === 'twin'));
  }
}
