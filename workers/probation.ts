/**
 * A window's shrink on probation (congestion.ts; TCP's undo of a spurious
 * cut): the probes sent in the round trip from PROBE_GUARD_MS after it are
 * counted as their fate shows, answered or lost (a try whose retry was
 * answered), with how many were sent and the answers that arrive one round
 * trip later (what the cell delivered at its new rate).
 * Once their losses have had time to show (as long as the longest, or the
 * shrink's own, took), it is judged. Other losses' delays once counted: paced
 * retries of older tries showed later and later, and the scan's probation
 * stayed open to the end (50 SYNs/s over 4 hosts: 7 s).
 */
import { F, type HostTable } from '../src/wire/hosts.js';
import { LIMITER_SHORT, PROBE_CAP, PROBE_GUARD_MS, PROBE_MIN, RATE_INTERVAL_MS, SHARE_ONE, UNDO_SHARE } from './congestion-tuning.js';

/** PROBE_D: answers that arrived one round trip after the probation's probes left in its low half, the probes sent in its high half. */
const SENT = 0x10000;

/** What a judged probation found. */
export type Verdict =
  /** Not judged yet, or judged and the shrink stands. */
  | { kind: 'none' }
  /** A share lost of UNDO_SHARE or more: random loss, undo the shrink (to `undo`, the window before it). */
  | { kind: 'random'; undo: number }
  /**
   * As much lost, and under 1/LIMITER_SHORT of the probes sent answered: a
   * limiter that passes less than the shrink took from a burst it let through
   * (the max filter). Shrink again, to `perSecond`, what it delivered.
   */
  | { kind: 'limiter'; perSecond: number };

const NONE: Verdict = { kind: 'none' };

/** The probation's round trip: the probes sent in [from, end) are judged. */
function span(t: HostTable, cell: number, rttMs: number): { from: number; end: number } {
  const from = t.get(cell, F.DROP_AT) + PROBE_GUARD_MS;
  return { from, end: from + Math.max(rttMs, RATE_INTERVAL_MS) };
}

/**
 * An answer at `nowMs` to a probe sent at `sentMs` (the coordinator's clock),
 * and a try sent at `lostMs` lost (-1: none), counted if the cell is on
 * probation; judged once their losses can have shown (one worker judges:
 * the others see the probation closed). `rttMs`: the cell's round trip.
 */
export function probe(t: HostTable, cell: number, nowMs: number, sentMs: number, lostMs: number, rttMs: number): Verdict {
  const undo = t.get(cell, F.UNDO_CWND);
  if (undo === 0) return NONE;
  const { from, end } = span(t, cell, rttMs);
  const n = t.get(cell, F.PROBE_N);
  // Once either count is full neither counts on: a share of the counted ones, not of a capped one.
  const room = (n & 0xffff) < PROBE_CAP && n >>> 16 < PROBE_CAP;
  if (sentMs >= from && sentMs < end && room) t.add(cell, F.PROBE_N, 1);
  if (nowMs >= from + rttMs && nowMs < end + rttMs && (t.get(cell, F.PROBE_D) & 0xffff) < PROBE_CAP) t.add(cell, F.PROBE_D, 1);
  if (lostMs >= from && lostMs < end) {
    t.max(cell, F.PROBE_DELAY, Math.ceil(nowMs - lostMs));
    if (room) t.add(cell, F.PROBE_N, 0x10000);
  }
  if (nowMs < end + t.get(cell, F.PROBE_DELAY)) return NONE;
  if (!t.replace(cell, F.UNDO_CWND, undo, 0)) return NONE;
  const counts = t.get(cell, F.PROBE_N);
  const losses = counts >>> 16;
  const total = (counts & 0xffff) + losses;
  if (total < PROBE_MIN || Math.floor((losses * SHARE_ONE) / total) < UNDO_SHARE) return NONE;
  // Random loss costs a share of what is sent (15 % each way: ~28 %), a limiter all above its rate. Host cells only:
  // the scan's window sends to hosts never heard from too, which answer nothing.
  const d = t.get(cell, F.PROBE_D);
  const sent = d >>> 16;
  if (cell !== 0 && sent >= PROBE_MIN && (counts & 0xffff) * LIMITER_SHORT < sent) return { kind: 'limiter', perSecond: ((d & 0xffff) * 1000) / (end - from) };
  return { kind: 'random', undo };
}

/** A probe to the cell left at `nowMs` (the coordinator's clock; not a retry's second copy): counted, if in its probation's round trip. */
export function sent(t: HostTable, cell: number, nowMs: number, rttMs: number): void {
  if (t.get(cell, F.UNDO_CWND) === 0 || t.get(cell, F.PROBE_D) >>> 16 >= PROBE_CAP) return;
  const { from, end } = span(t, cell, rttMs);
  if (nowMs >= from && nowMs < end) t.add(cell, F.PROBE_D, SENT);
}
