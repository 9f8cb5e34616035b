/**
 * --host-timeout: each host's clock in the shared host table
 * (src/wire/hosts.ts), started by its first probe in any worker; a host past
 * its limit is given up, counted once, by the worker that gives it up. Its
 * attempts' timeouts end where its time does (Timing.attemptTimeout), and so
 * do its banner reads, as nmap's -sV does.
 */
import type { HostTable } from '../src/wire/hosts.js';
import type { TimingStats } from '../src/wire/timing.js';
import type { Target } from './attempt.js';

/** `now` (this thread's performance.now()) on the coordinator's clock, whole ms, never 0 (0 marks an unset time in the table). */
export function coordMsOf(now: number, toCoordMs: number): number {
  return Math.floor(now + toCoordMs) + 1;
}

export class HostClock {
  constructor(
    private readonly table: HostTable,
    /** --host-timeout, ms; null without one. */
    readonly limitMs: number | null,
    /** Add to this thread's performance.now() for the coordinator's clock (the table's times are on it). */
    private readonly toCoordMs: number,
    private readonly stats: TimingStats,
  ) {
    if (limitMs !== null && !table.clocked) throw new Error('--host-timeout needs a host table made with clocks');
  }

  /** A host's clock (a Target's `clock`; -1 without --host-timeout). */
  clockOf(hostIndex: number): number {
    return this.limitMs === null ? -1 : this.table.clockOf(hostIndex);
  }

  /** Whether the host is given up now; the first probe of a host starts its clock. Counted once, by the worker that gives up. */
  givenUp(target: Target, now: number): boolean {
    const limit = this.limitMs;
    if (limit === null) return false;
    if (this.table.isGivenUp(target.clock)) return true;
    const nowMs = coordMsOf(now, this.toCoordMs);
    if (nowMs - this.table.startClock(target.clock, nowMs) <= limit) return false;
    this.giveUp(target);
    return true;
  }

  /** Whether the host was given up (any worker). */
  isGivenUp(target: Target): boolean {
    return this.table.isGivenUp(target.clock);
  }

  /** Give the host up (counted once, by the worker that does: every host of its clock). */
  giveUp(target: Target): void {
    if (target.clock >= 0 && this.table.giveUp(target.clock)) this.stats.gaveUp(this.table.clockHosts(target.clock));
  }

  /** When the host's time ends, on this thread's clock (Infinity without --host-timeout, or before its first probe). */
  end(target: Target): number {
    const limit = this.limitMs;
    const first = limit === null ? 0 : this.table.clockStart(target.clock);
    return first === 0 ? Infinity : first - 1 - this.toCoordMs + limit!;
  }

  /** Whether an attempt that timed out at `deadline` ran to the end of its host's time: the host is then given up (counted once). */
  cut(target: Target, deadline: number): boolean {
    if (!this.reaches(target, deadline)) return false;
    this.giveUp(target);
    return true;
  }

  /** Whether a deadline is the end of its host's time (--host-timeout cut the attempt there), with nothing given up. */
  reaches(target: Target, deadline: number): boolean {
    return this.limitMs !== null && deadline >= this.end(target) - 0.001;
  }

  /** When a position held back (--host-rate, its host's window) comes due: at `readyAt`, or once its host's time is up, to be decided host-timeout. */
  heldUntil(target: Target, readyAt: number): number {
    return Math.min(readyAt, this.end(target) + 2);
  }

  /** What is left of the host's time, ms (Infinity without --host-timeout): a banner read ends there too. */
  timeLeft(target: Target, now: number): number {
    const limit = this.limitMs;
    if (limit === null) return Infinity;
    const end = this.end(target);
    return end === Infinity ? limit : end - now;
  }
}
