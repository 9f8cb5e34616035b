/**
 * A limiter the loss evidence missed (congestion.ts). That evidence weighs
 * the answers to retries against the host's best recent delivery rate, a max
 * filter, and a limiter that lets a burst through (a token bucket: FreeBSD
 * and macOS answer closed ports with at most 200 RSTs a second after a burst
 * of 200) delivers the whole burst in the opening flood: the filter held ten
 * times the rate it passes for seconds, its answers to retries were never a
 * quarter of that, a shrink to the burst's rate was undone as random loss,
 * and ~7,000 retries went out in 1.5 s (lab rstlimit: 422-669 of 990 closed
 * ports filtered at the --retries cap in 3 runs of 6).
 *
 * What random loss does not do is lose most ports' two tries in a row: a
 * port whose try was lost loses the next one too with the chance that one
 * try is lost (10 % loss each way: 19 %, 15 %: 28 %, 29 %: half), where
 * behind a limiter sent ten times what it passes nine in ten do. When at
 * least DEEP_MIN of a host's answers to retries, since a shrink of its
 * window last stood, came only after two tries lost, and half of them or
 * more, the host's window drops to what it delivered in its last interval
 * alone (limiterShrink). A firewall that drops most ports is no such evidence,
 * over a lossy path either: its dropped ports' retries are never answered,
 * and its answering ports lose tries at the path's rate (the rule tried
 * before this one read "few answers to many probes" as a limiter there, and
 * paced 20 hosts' retries for minutes; lab fwloss).
 */
import { F, type HostTable, WINDOW_SCALE } from '../src/wire/hosts.js';
import { MIN_WINDOW, TWO_WINDOWS } from './congestion-tuning.js';
import { msOf } from './loss-tally.js';

/** Deep answers (after two tries lost, since a shrink last stood) that are evidence, if half or more of those counted. */
export const DEEP_MIN = 8;
const DEEP = 0x10000;
/** Past this many answers counted both counts halve (the deep ones, above the low 16 bits, never reach SINCE_SHRINK). */
const DEEP_CAP = 0x4000;
/**
 * F.DEEP_N's top bit: a shrink of the host's window stood (a limiter shrink, or one its probation did not undo),
 * and only tries sent since the window last shrank count. Until then every try does: a shrink that its probation
 * undoes as random loss set no rate the tries since could be judged by. Counted only from each shrink, undone or
 * not, the evidence never added up behind a limiter whose burst sized the shrinks: each was undone as random
 * loss, the next came within ~0.2 s, before a port's two lost tries and its answer could (lab rstlimit: in ~1 run
 * of 9, 6-7 shrinks undone, 6,500 retries, 1-70 closed ports filtered at the --retries cap).
 */
const SINCE_SHRINK = 1 << 31;

/** A shrink of the host's window stood: the evidence starts over, from tries sent since (SINCE_SHRINK). */
export function shrinkStood(t: HostTable, cell: number): void {
  t.set(cell, F.DEEP_N, SINCE_SHRINK);
}

/**
 * Count an answer that came only to try `tries` (≥ 1), whose last lost try
 * left at `lostMs` and the one before it at `prevMs` (the coordinator's
 * clock; 0: none), for the host's cell; true when the counts are evidence of
 * a limiter. Once a shrink stood, only tries sent since the window last
 * shrank count (SINCE_SHRINK): the ports a scan still probes late have lost
 * tries at any rate, and counted by their depth alone every answer at the
 * end was deep, so a window shrunk to what the limiter passes shrank on to a
 * probe every 0.6 s (lab rstlimit: 514 ports unanswered at 120 s).
 */
export function deepEvidence(t: HostTable, cell: number, tries: number, lostMs: number, prevMs: number): boolean {
  const since = (t.get(cell, F.DEEP_N) & SINCE_SHRINK) !== 0 ? t.get(cell, F.DROP_AT) : 0;
  if (lostMs < since) return false;
  const deep = tries >= 2 && prevMs >= since && prevMs > 0;
  const n = t.add(cell, F.DEEP_N, deep ? DEEP + 1 : 1);
  const all = n & 0xffff;
  const deeps = (n >>> 16) & 0x7fff;
  // A set, not an add: another worker's count in between is lost, which only halves a little more.
  if (all >= DEEP_CAP) t.set(cell, F.DEEP_N, (n & SINCE_SHRINK) | ((deeps >>> 1) * DEEP + (all >>> 1)));
  return deeps >= DEEP_MIN && 2 * deeps >= all;
}

/**
 * The host's window to what it delivered in its last delivery interval alone,
 * by half at least, and below two probes by at most half in one step (as a
 * shrink of congestion.ts); once per round trip. Not on probation, since
 * the evidence is no random loss, and one on probation ends standing. The
 * max filter falls to that rate too, so that the loss evidence weighs the
 * answers to retries against what the host passes. True when it shrank.
 */
export function limiterShrink(t: HostTable, cell: number, nowMs: number): boolean {
  const srttUs = t.get(cell, F.SRTT);
  const last = t.get(cell, F.DROP_AT);
  if (last !== 0 && nowMs - last < msOf(srttUs)) return false;
  const cwnd = t.get(cell, F.CWND);
  const raw = t.get(cell, F.RAW_RATE);
  const target = Math.ceil((raw * srttUs * WINDOW_SCALE) / 1e6);
  const next = Math.max(MIN_WINDOW, Math.min(cwnd >> 1, Math.max(target, TWO_WINDOWS)));
  if (next >= cwnd) return false;
  t.set(cell, F.UNDO_CWND, 0);
  t.set(cell, F.DROP_AT, nowMs);
  t.set(cell, F.SSTHRESH, next);
  t.set(cell, F.CWND, next);
  if (raw > 0 && raw < t.get(cell, F.DELIV_RATE)) t.set(cell, F.DELIV_RATE, raw);
  shrinkStood(t, cell);
  return true;
}
