/**
 * A host that answered, then went silent: an outage (a link that flapped, a
 * firewall being reloaded, a SYN-flood guard), not a firewall that drops
 * ports. Retries by evidence (timing.ts) give a host that needed none one
 * retry, so every port probed while it was silent was decided after two
 * tries (lab: one host at RTT 20 ms, --rate 2000, every SYN dropped for 5-8 s
 * from 1.5 s into the scan: 932-7,567 of 10,000 ports called filtered, open
 * ones among them; nmap -T4 was exact in 3 runs of 4).
 *
 * The evidence: first tries sent after the host's last answer (of any kind)
 * that all timed out, SILENT_RUN of them, more than the host's own share of
 * unanswered first tries explains (that share to the power of the run under
 * 1/10,000), and at least OUTAGE_MIN_RUN. First tries only (and the tries held
 * positions get after an outage, whose ports were not seen dropped): they
 * sample the host's ports as the walk does, where retries go to ports that
 * already went unanswered (behind a firewall that drops 900 of 1,000 ports,
 * the 900 retries all leave after the last answer, and all time out). In a
 * random walk only: a serial one probes a host's ports in order, and 20 that
 * answer then 980 a firewall drops read as an outage held to its 10 s cap.
 *
 * While it lasts, a position that times out is held (the verdict 'hold'),
 * not tried again nor decided, whatever tries it has left (a flapping host's
 * evidence allowed it 10, all spent within a second of its next silence).
 * Whenever no retry to the host is out, one held position sends a 'ping',
 * which spends none of its tries (one position pinged on every timeout
 * reached --retries within a second), to the port the host last answered on
 * with a SYN-ACK or else a reset (F.LIVE_PORT; its own port, which may be one
 * a firewall drops, where none is known), and finds out when the host answers
 * again: nmap's ping probe. An answer to a ping is the host's, not the
 * position's (loop.ts liveAnswered); one that times out counts in the run
 * like a first try (Timing.ranOut). Once the host answers, every held
 * position gets one more try, as does every try sent during the silence that
 * times out after it (answers to those are not loss: timing.ts
 * retryAnswerIsLoss), and the silence's lost tries leave the host's share. A
 * silence longer than OUTAGE_MAX_MS is taken for the host gone: what it holds
 * is decided filtered, as before.
 */
import { F, type HostTable } from '../src/wire/hosts.js';

/**
 * The fewest first tries in a row that make an outage (at 1,000 probes a second over 64 hosts, 8 took a host ~0.5 s
 * and a timeout, and its ports had been decided by then), and the fewest first tries answered before one.
 */
export const OUTAGE_MIN_RUN = 4;
const MIN_ANSWERED = 8;
/** How long after its last answer a silent host's positions are held at most, ms. */
export const OUTAGE_MAX_MS = 10_000;
const LOG_CHANCE = Math.log(1e-4);

/**
 * Whether a timed-out try, its position's last, waits before its port is decided filtered: its host has answered
 * nothing since it left (at `startMs`), and the silence is too short yet to tell an outage from the host's own loss
 * (fewer than OUTAGE_MIN_RUN first tries timed out in it, where that many would make one). A host probed slowly
 * (64 hosts at --rate 1000: a first try each 64 ms) had the first ports of its silence decided before it was seen
 * (8 of them silent 3 s: 1-7 closed ports called filtered a run). Pings to its live port judge it (an answer ends the
 * silence, each one lost lengthens the run), as long as OUTAGE_MAX_MS; with no live port known, the wait lasts twice
 * the time OUTAGE_MIN_RUN first tries take to leave and time out at the host's pace (`timeoutMs`: its timeout).
 */
export function silenceUnjudged(t: HostTable, cell: number, startMs: number, nowMs: number, timeoutMs: number): boolean {
  const last = t.get(cell, F.LAST_ANSWER);
  const run = t.get(cell, F.SILENT_RUN);
  const ok = t.get(cell, F.FIRST_OK);
  if (startMs < last || run >= OUTAGE_MIN_RUN || ok < MIN_ANSWERED) return false;
  const lost = lostBefore(t, cell, run);
  if (ownLoss(ok, lost, OUTAGE_MIN_RUN)) return false; // a run that long would be its own loss
  const pace = (last - t.get(cell, F.ANSWERED)) / (ok + lost); // ms between its first tries
  return nowMs - last < (t.get(cell, F.LIVE_PORT) !== 0 ? OUTAGE_MAX_MS : Math.min(OUTAGE_MAX_MS, 2 * (timeoutMs + OUTAGE_MIN_RUN * pace)));
}

/** First tries the host lost before its current silence's `run`. */
function lostBefore(t: HostTable, cell: number, run: number): number {
  return Math.max(0, t.get(cell, F.FIRST_LOST) - run);
}

/** Whether `n` first tries lost in a row are what the host's own share of lost ones explains (share^n ≥ 1/10,000). */
function ownLoss(ok: number, lost: number, n: number): boolean {
  const share = lost / (ok + lost);
  return share > 0 && n * Math.log(share) >= LOG_CHANCE;
}

/** Whether the host is silent: 'none', 'on' (its positions are held), or 'over' (silent longer than OUTAGE_MAX_MS). */
export type Outage = 'none' | 'on' | 'over';

/** An answer from the cell's host at `nowMs` (ms since the origin), to try `tryNo`: the silence, if any, is over. */
export function outageAnswered(t: HostTable, cell: number, tryNo: number, nowMs: number): void {
  if (tryNo === 0) t.add(cell, F.FIRST_OK, 1);
  if (t.get(cell, F.SILENT_RUN) !== 0) {
    // An outage that ends: the tries sent during it that time out from now on get one more try too (sentInOutage).
    if (outageOf(t, cell, nowMs) !== 'none') {
      t.set(cell, F.OUTAGE_FROM, t.get(cell, F.LAST_ANSWER));
      t.set(cell, F.OUTAGE_TO, nowMs);
      // Its tries were lost to the outage, not to the host's firewall: counted in its share, they made a flapping
      // host's next outage need 10 first tries in a row where it needed 4 (0.39 of them lost, not 0.013).
      t.add(cell, F.FIRST_LOST, -t.get(cell, F.SILENT_RUN));
    }
    t.set(cell, F.SILENT_RUN, 0);
  }
  t.set(cell, F.LAST_ANSWER, nowMs);
}

/**
 * The cell's host answered on `port`, with a SYN-ACK (`handshake`) or a reset: a port for pings. A SYN-ACK's is kept
 * over a reset's: a host may limit its resets (FreeBSD's icmplim, 200 a second: lab rstlimit), and a ping to a closed
 * port past that limit goes unanswered, read as silence; it never limits its handshakes.
 */
export function liveAnswer(t: HostTable, cell: number, port: number, handshake: boolean): void {
  if (handshake) t.set(cell, F.LIVE_PORT, -(port + 1));
  else if (t.get(cell, F.LIVE_PORT) >= 0) t.set(cell, F.LIVE_PORT, port + 1);
}

/** The port the cell's host last answered on, a SYN-ACK's first (liveAnswer), or -1. */
export function livePortOf(t: HostTable, cell: number): number {
  return Math.abs(t.get(cell, F.LIVE_PORT)) - 1;
}

/**
 * Whether a try sent at `startMs` left during the host's last outage that ended: its loss says nothing of its port
 * (a try sent in its last 100 ms, timed out once the host answered again, was decided filtered).
 */
export function sentInOutage(t: HostTable, cell: number, startMs: number): boolean {
  const to = t.get(cell, F.OUTAGE_TO);
  return to !== 0 && startMs >= t.get(cell, F.OUTAGE_FROM) && startMs < to;
}

/** A first try to a host heard from, sent at `startMs` (ms since the origin), timed out. */
export function firstTryLost(t: HostTable, cell: number, startMs: number): void {
  t.add(cell, F.FIRST_LOST, 1);
  // In the same ms is after: one probe in flight sends the next try as the last answer comes (fake timers: port 12 at 402 ms).
  if (startMs >= t.get(cell, F.LAST_ANSWER)) t.add(cell, F.SILENT_RUN, 1);
}

/** The cell's host at `nowMs`: see the comment at the top. */
export function outageOf(t: HostTable, cell: number, nowMs: number): Outage {
  const run = t.get(cell, F.SILENT_RUN);
  if (run < OUTAGE_MIN_RUN) return 'none';
  const ok = t.get(cell, F.FIRST_OK);
  if (ok < MIN_ANSWERED || ownLoss(ok, lostBefore(t, cell, run), run)) return 'none';
  return nowMs - t.get(cell, F.LAST_ANSWER) >= OUTAGE_MAX_MS ? 'over' : 'on';
}
