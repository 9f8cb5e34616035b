/**
 * A shrink on probation (congestion.ts): the probes sent in the round trip
 * after it, from PROBE_GUARD_MS on, are counted as their fate shows, answered
 * or lost (a try whose retry was answered), and once their losses have had
 * time to show the shrink is judged. A share lost of UNDO_SHARE or more was
 * random loss (a limiter passes what is sent at its rate): the shrink is undone.
 *
 * The scan's window is also judged by what went silent. Its shrink is sized by
 * answers; behind firewalls that answer on few ports most probes are never
 * answered, and the window that the answers' rate gives holds a few probes,
 * each kept a whole timeout. Nothing then came back to judge by, so the shrink
 * stood, and answers, the only thing that grows a window, were gone: lab
 * fwloss (20 hosts that each answer on 5 of 200 ports, 10 % loss each way) took
 * 17-391 s in about 1 run of 20, against ~2 s, its scan window shrunk from
 * 15,936 to 5.5 probes by the answers to retries of the answering ports. A
 * limiter passes the probes sent at its rate, and they come back; so where
 * fewer than a quarter of the SILENT_MIN or more sent came back either way,
 * the rate was the firewalls', not the path's, and the shrink is undone.
 */
import { F, type HostTable } from '../src/wire/hosts.js';
import { LOSS_SHARE_RAISED, PROBE_CAP, PROBE_GUARD_MS, PROBE_MIN, RATE_INTERVAL_MS, SHARE_ONE, UNDO_SHARE } from './congestion-tuning.js';
import { lossCouldShow } from './loss-tally.js';

/** Probes sent on the scan's probation from which its silence is judged (a shrunk window sends few). */
const SILENT_MIN = 4;

/** The round trip a probation counts the probes sent in: [from, end), ms. */
function span(t: HostTable, cell: number, rttMs: number): [number, number] {
  const from = t.get(cell, F.DROP_AT) + PROBE_GUARD_MS;
  return [from, from + Math.max(rttMs, RATE_INTERVAL_MS)];
}

/** A probe to a host heard from left at `nowMs`, counted in the scan's window: counted if the scan's probation counts it. */
export function sentOnProbation(t: HostTable, nowMs: number, rttMs: number): void {
  if (t.get(0, F.UNDO_CWND) === 0) return;
  const [from, end] = span(t, 0, rttMs);
  if (nowMs >= from && nowMs < end && (t.get(0, F.PROBE_SENT) & 0xffff) < PROBE_CAP) t.add(0, F.PROBE_SENT, 1);
}

/**
 * A probe sent at `sentMs` was answered, and one sent at `lostMs` was lost
 * (-1: none): each counted while the cell's shrink is on probation if it left
 * in the round trip it counts. Other losses' delays once counted: paced
 * retries of older tries showed later and later, and the scan's probation
 * stayed open to the end (50 SYNs/s over 4 hosts: 7 s).
 */
export function countOutcome(t: HostTable, cell: number, nowMs: number, sentMs: number, lostMs: number, rttMs: number): void {
  if (t.get(cell, F.UNDO_CWND) === 0) return;
  const [from, end] = span(t, cell, rttMs);
  const n = t.get(cell, F.PROBE_N);
  // Once either count is full neither counts on: a share of the counted ones, not of a capped one.
  const room = (n & 0xffff) < PROBE_CAP && n >>> 16 < PROBE_CAP;
  if (sentMs >= from && sentMs < end && room && lossCouldShow(sentMs, nowMs, end + t.get(cell, F.PROBE_DELAY))) t.add(cell, F.PROBE_N, 1);
  if (lostMs >= from && lostMs < end) {
    t.max(cell, F.PROBE_DELAY, Math.ceil(nowMs - lostMs));
    if (room) t.add(cell, F.PROBE_N, 0x10000);
  }
  // The scan's: every probe of the round trip that came back, answered or lost, whether or not counted above.
  if (cell !== 0 || t.get(0, F.PROBE_SENT) >>> 16 >= PROBE_CAP) return;
  const back = (sentMs >= from && sentMs < end ? 1 : 0) + (lostMs >= from && lostMs < end ? 1 : 0);
  if (back > 0) t.add(0, F.PROBE_SENT, back * 0x10000);
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
  const counts = t.get(cell, F.PROBE_N);
  const losses = counts >>> 16;
  const total = (counts & 0xffff) + losses;
  if (total < PROBE_MIN) {
    const sent = cell === 0 ? t.get(0, F.PROBE_SENT) : 0;
    if ((sent & 0xffff) < SILENT_MIN || 4 * (sent >>> 16) >= (sent & 0xffff)) return false;
  } else if (Math.floor((losses * SHARE_ONE) / total) < UNDO_SHARE) return false;
  t.set(cell, F.LOSS_LIMIT, LOSS_SHARE_RAISED);
  const cwnd = Math.max(t.get(cell, F.CWND), undo);
  t.set(cell, F.SSTHRESH, cwnd);
  t.set(cell, F.CWND, cwnd);
  return true;
}
