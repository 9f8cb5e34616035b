/**
 * When answers that came only to a retry are evidence of loss that should
 * shrink a window (congestion.ts lost; the numbers and why are in
 * congestion-tuning.ts): LOSS_MIN within one round trip, or over a span of
 * SLOW_LOSS_MS where a round trip is shorter (a limiter that passes few SYNs
 * gives few answers to retries), and in either, at least a share of what the
 * cell delivers in that time (a quarter, unless an undo raised it).
 */
import { F, type HostTable } from '../src/wire/hosts.js';
import { LOSS_MIN, LOSS_SHARE, SHARE_ONE, SLOW_LOSS_MIN, SLOW_LOSS_MS } from './congestion-tuning.js';

/** µs to whole ms, at least 1. */
export const msOf = (us: number): number => Math.max(1, Math.ceil(us / 1000));

/** Count one loss at `nowMs` in the cell's current round trip (`rttUs`) and in its current slow span; true once either is evidence. */
export function tallyLoss(t: HostTable, cell: number, nowMs: number, rttUs: number): boolean {
  const inRtt = tallyIn(t, cell, nowMs, F.LOSS_SINCE, F.LOSS_N, rttUs, false);
  const slowUs = Math.max(rttUs, SLOW_LOSS_MS * 1000);
  // Both counted every time: a span must see every loss in it.
  const inSlow = tallyIn(t, cell, nowMs, F.SLOW_SINCE, F.SLOW_N, slowUs, true);
  return inRtt || inSlow;
}

function tallyIn(t: HostTable, cell: number, nowMs: number, sinceField: number, countField: number, spanUs: number, slow: boolean): boolean {
  const since = t.get(cell, sinceField);
  if (since === 0 || nowMs - since > msOf(spanUs)) {
    t.set(cell, sinceField, nowMs);
    t.set(cell, countField, 0);
  }
  const n = t.add(cell, countField, 1);
  const rate = t.get(cell, F.DELIV_RATE);
  if (n < (slow && rate > 0 ? SLOW_LOSS_MIN : LOSS_MIN)) return false;
  // Answers in the span at the delivery rate (0 until its first interval closed).
  const perSpan = (rate * spanUs) / 1e6;
  return n * SHARE_ONE >= perSpan * (t.get(cell, F.LOSS_LIMIT) || LOSS_SHARE);
}

/**
 * Whether a probe sent at `sentMs` and answered at `nowMs` would have shown
 * its loss, had it been lost, by `judgeMs`: a timeout of its round trip and
 * the round trip again (a timeout is at least srtt + srtt/8, rtt.ts). A
 * shrink's probation counts an answer only then (congestion.ts probe): the
 * scan's, judged when the near host's losses could show, counted the answers
 * of a host 390 ms away and none of its losses, read 15 % loss each way as 4 %,
 * and let the shrink stand, and the next (lab heavyloss: runs of 15-100 s
 * against ~7 s).
 */
export function lossCouldShow(sentMs: number, nowMs: number, judgeMs: number): boolean {
  const rtt = nowMs - sentMs;
  return sentMs + 2 * rtt + (rtt >> 3) + 8 <= judgeMs;
}
