/**
 * A shrink on probation (congestion.ts): the probes sent in the round trip
 * after it, from PROBE_GUARD_MS on, are counted as their fate shows, answered
 * or lost (a try whose retry was answered), and once their losses have had
 * time to show the shrink is judged. A share lost of UNDO_SHARE or more was
 * random loss (a limiter passes what is sent at its rate): the shrink is undone.
 *
 * A window is also judged by what went silent. Its shrink is sized by
 * answers; behind firewalls that answer on few ports most probes are never
 * answered, and the window that the answers' rate gives holds a probe or a
 * few, each kept a whole timeout. Nothing then came back to judge it by, so
 * the shrink stood, and answers, the only thing that grows a window, were
 * gone: lab fwloss (20 hosts that each answer on 5 of 200 ports, 10 % loss
 * each way) took 15-391 s in about 1 run of 20-40, against ~2 s: the scan's
 * window shrunk from 15,936 to 5.5 probes by the answering ports' retries,
 * or one host's to 2 probes (its delivery rate: 9 answers a second). A
 * limiter passes the probes sent at its rate, and they come back; so where
 * SILENT_MIN or more were sent from its start until a round trip before its
 * judgement and fewer than a quarter came back either way, the rate was the
 * firewall's, not the path's, and the shrink is undone.
 */
import { F, type HostTable } from '../src/wire/hosts.js';
import { LOSS_SHARE_RAISED, PROBE_CAP, PROBE_GUARD_MS, PROBE_MIN, RATE_INTERVAL_MS, SHARE_ONE, UNDO_SHARE } from './congestion-tuning.js';
import { shrinkStood } from './limiter.js';
import { lossCouldShow } from './loss-tally.js';

/** Probes sent on a probation from which its silence is judged: a window of 2 held a whole timeout a probe sends ~2 in its round trip. */
const SILENT_MIN = 2;

/**
 * Losses that undo a shrink whose probation counted fewer outcomes than PROBE_MIN, with at least as many
 * answers: 2 of PROBE_MIN is twice UNDO_SHARE, far over the 0-2.3 % a limiter's new rate loses. Judged
 * by silence alone, such a shrink stood: lab heavyloss (15 % loss each way, hosts 2, 150 and 390 ms away
 * and a dead one) took 21-46 s in about 1 run of 15, against ~7 s, where the scan's window shrank late in
 * the scan to 7 probes, sized by the near host's 3 ms round trip, and its probation counted 2 lost of 10
 * (traced), which left the far host's last ports 7 probes a round trip. All or most lost is a limiter that
 * still drops, and stands.
 */
const FEW_LOSSES = Math.ceil((2 * UNDO_SHARE * PROBE_MIN) / SHARE_ONE);

/** The cell's count of probes sent on its probation, and of them come back (the scan's and a host's are in different slots). */
const sentField = (cell: number): number => (cell === 0 ? F.PROBE_SENT : F.HOST_PROBE_SENT);

/** The round trip a probation counts the probes sent in: [from, end), ms. */
function span(t: HostTable, cell: number, rttMs: number): [number, number] {
  const from = t.get(cell, F.DROP_AT) + PROBE_GUARD_MS;
  return [from, from + Math.max(rttMs, RATE_INTERVAL_MS)];
}

/** Probes sent from its start until a round trip before its judgement count for silence: they have had time to come back. */
const silenceEnd = (t: HostTable, cell: number, end: number, rttMs: number): number => end + t.get(cell, F.PROBE_DELAY) - rttMs;

/** A shrink opens its probation: nothing counted yet. */
export function openProbation(t: HostTable, cell: number): void {
  t.set(cell, F.PROBE_N, 0);
  t.set(cell, sentField(cell), 0);
}

/**
 * A probe left at `nowMs` (counted in the cell's window, which is on probation): counted for silence if it left
 * from the probation's start until a round trip before its judgement. Longer than the round trip a share is counted
 * over: a window of 2 probes, each held a whole timeout, sent 0-2 in that one.
 */
export function sentOnProbation(t: HostTable, cell: number, nowMs: number, rttMs: number): void {
  const [from, end] = span(t, cell, rttMs);
  if (nowMs >= from && nowMs < silenceEnd(t, cell, end, rttMs) && (t.get(cell, sentField(cell)) & 0xffff) < PROBE_CAP) t.add(cell, sentField(cell), 1);
}

/**
 * A probe sent at `sentMs` was answered, and `lost` probes sent at `lostMs`
 * (-1: none) were lost (2: both copies of a retry sent twice): each counted
 * while the cell's shrink is on probation if it left in the round trip it
 * counts. Of a retry sent twice and answered one copy counts, the first to
 * answer (the other is closed, its fate unknown). Other losses' delays once
 * counted: paced retries of older tries showed later and later, and the
 * scan's probation stayed open to the end (50 SYNs/s over 4 hosts: 7 s).
 */
export function countOutcome(t: HostTable, cell: number, nowMs: number, sentMs: number, lostMs: number, rttMs: number, lost = 1): void {
  if (t.get(cell, F.UNDO_CWND) === 0) return;
  const [from, end] = span(t, cell, rttMs);
  const n = t.get(cell, F.PROBE_N);
  // Once either count is full neither counts on: a share of the counted ones, not of a capped one.
  const room = (n & 0xffff) < PROBE_CAP && n >>> 16 < PROBE_CAP;
  if (sentMs >= from && sentMs < end && room && lossCouldShow(sentMs, nowMs, end + t.get(cell, F.PROBE_DELAY))) t.add(cell, F.PROBE_N, 1);
  if (lostMs >= from && lostMs < end) {
    t.max(cell, F.PROBE_DELAY, Math.ceil(nowMs - lostMs));
    if (room) t.add(cell, F.PROBE_N, lost * 0x10000);
  }
  // Every probe of the silence span that came back, answered or lost, whether or not counted above.
  if (t.get(cell, sentField(cell)) >>> 16 >= PROBE_CAP) return;
  const until = silenceEnd(t, cell, end, rttMs);
  const back = (sentMs >= from && sentMs < until ? 1 : 0) + (lostMs >= from && lostMs < until ? lost : 0);
  if (back > 0) t.add(cell, sentField(cell), back * 0x10000);
}

/** What the closed probation counted says the shrink was random loss, or went silent (see the top of this file). */
function undone(t: HostTable, cell: number): boolean {
  const counts = t.get(cell, F.PROBE_N);
  const losses = counts >>> 16;
  const total = (counts & 0xffff) + losses;
  if (total >= PROBE_MIN) return Math.floor((losses * SHARE_ONE) / total) >= UNDO_SHARE;
  if (losses >= FEW_LOSSES && total - losses >= losses) return true;
  const sent = t.get(cell, sentField(cell));
  return (sent & 0xffff) >= SILENT_MIN && 4 * (sent >>> 16) < (sent & 0xffff);
}

/**
 * Close the cell's probation once its losses have had time to show (as long
 * as the longest, or the shrink's own, took); true when the shrink is undone,
 * and then the share of a round trip's delivery that shrinks is raised to a
 * half. One worker judges (the others see the probation closed).
 */
export function judge(t: HostTable, cell: number, nowMs: number, rttMs: number): boolean {
  const undo = t.get(cell, F.UNDO_CWND);
  if (undo === 0 || nowMs < span(t, cell, rttMs)[1] + t.get(cell, F.PROBE_DELAY)) return false;
  if (!t.replace(cell, F.UNDO_CWND, undo, 0)) return false;
  if (!undone(t, cell)) {
    if (cell !== 0) shrinkStood(t, cell);
    return false;
  }
  t.set(cell, F.LOSS_LIMIT, LOSS_SHARE_RAISED);
  const cwnd = Math.max(t.get(cell, F.CWND), undo);
  t.set(cell, F.SSTHRESH, cwnd);
  t.set(cell, F.CWND, cwnd);
  return true;
}
