/**
 * The round-trip estimator of one cell of the shared host table (a host, or
 * the scan's cell 0): nmap's, from timing.cc, in µs, with a max filter beside
 * it. Timing (timing.ts) decides which answers are samples and what a timeout
 * is for; this keeps the numbers.
 *
 * The first sample δ gives srtt = δ and rttvar = clamp(δ, 5 ms, 2 s); then
 * e = δ − srtt, srtt += e/8, rttvar += (|e| − rttvar)/4. The estimate is
 * srtt + 4·max(rttvar, floor), with a floor of max(2 ms, srtt/32), and never
 * below the longest recent round trip + 1/16 (see timing.ts for why each).
 */
import { F, type HostTable } from '../src/wire/hosts.js';

const FIRST_RTTVAR_MIN_US = 5_000;
const FIRST_RTTVAR_MAX_US = 2_000_000;
const RTTVAR_FLOOR_US = 2_000;
/** The max filter's interval, at least (and 4·srtt); the filter spans the current interval and the last. */
const MAX_INTERVAL_MS = 250;
/**
 * Past this many samples a cell takes one answer in SAMPLE_EVERY: every worker
 * writing the same cells for every answer made them bounce between cores
 * (measured on loopback, where answers come at 90k/s).
 */
export const SAMPLES_ENOUGH = 64;
export const SAMPLE_EVERY = 8;

/** The cell's timeout estimate, µs (0: no sample yet). */
export function estimateUs(t: HostTable, cell: number): number {
  const srtt = t.get(cell, F.SRTT);
  if (srtt === 0) return 0;
  const rttvar = Math.max(t.get(cell, F.RTTVAR), RTTVAR_FLOOR_US, srtt >> 5);
  const recentMax = Math.max(t.get(cell, F.MAX_RTT), t.get(cell, F.MAX_RTT_PREV));
  return Math.max(srtt + 4 * rttvar, recentMax + (recentMax >> 4));
}

/**
 * Take a round trip of `rttMs` into the cell (past SAMPLES_ENOUGH only when
 * `always`), at `nowMs` on the coordinator's clock (never 0). A cell's first
 * estimate, or one that falls by a quarter below the last, bumps the scan's
 * GEN: attempts started on the higher one are retimed (expiry.ts).
 *
 * `late`: a late answer (late.ts), the cell's first, which may answer the
 * kernel's second SYN, 1 s after the first: an estimate to go on with, not
 * counted in SAMPLES, and dropped at the cell's first answer in time (its
 * estimate and max filter start over). Kept, a host whose first answer was
 * such a one had srtt ~1 s and its timeout at --max-rtt-timeout (3 s) for the
 * rest of the scan; behind a firewall that answers few ports its dropped
 * ports then waited 3 s a try (lab fwloss: 15-16 s, ~1 run in 15, against 2).
 */
export function sample(t: HostTable, cell: number, rttMs: number, always: boolean, nowMs: number, late = false): void {
  const samples = t.get(cell, F.SAMPLES);
  if (samples >= SAMPLES_ENOUGH && !always) return;
  if (samples === 0 && !late && t.get(cell, F.SRTT) !== 0) restart(t, cell);
  if (samples < SAMPLES_ENOUGH && !late) t.add(cell, F.SAMPLES, 1);
  const delta = Math.max(1, Math.round(rttMs * 1000));
  trackMax(t, cell, delta, nowMs);
  const srtt = t.get(cell, F.SRTT);
  if (srtt === 0) {
    t.set(cell, F.SRTT, delta);
    t.set(cell, F.RTTVAR, Math.min(FIRST_RTTVAR_MAX_US, Math.max(FIRST_RTTVAR_MIN_US, delta)));
  } else {
    const e = delta - srtt;
    const rttvar = t.get(cell, F.RTTVAR);
    t.set(cell, F.SRTT, Math.max(1, srtt + (e >> 3)));
    t.set(cell, F.RTTVAR, Math.max(1, rttvar + ((Math.abs(e) - rttvar) >> 2)));
  }
  const est = estimateUs(t, cell);
  const at = t.get(cell, F.GEN_EST);
  if (at === 0 || est < at - (at >> 2)) {
    t.set(cell, F.GEN_EST, est);
    t.add(0, F.GEN, 1);
  }
}

/** Forget a cell's estimate, taken from a late answer alone (sample). */
function restart(t: HostTable, cell: number): void {
  t.set(cell, F.SRTT, 0);
  t.set(cell, F.MAX_RTT, 0);
  t.set(cell, F.MAX_RTT_PREV, 0);
  t.set(cell, F.MAX_RTT_AT, 0);
}

/**
 * The max filter, over the answers sample() takes (past SAMPLES_ENOUGH, one
 * in SAMPLE_EVERY: the longest of a burst's thousands is as well found in an
 * eighth of them); a write only for a new longest. One worker rolls the
 * interval over.
 */
function trackMax(t: HostTable, cell: number, us: number, nowMs: number): void {
  const at = t.get(cell, F.MAX_RTT_AT);
  if (at === 0 || nowMs - at >= Math.max(MAX_INTERVAL_MS, (4 * t.get(cell, F.SRTT)) / 1000)) {
    if (t.replace(cell, F.MAX_RTT_AT, at, nowMs)) {
      t.set(cell, F.MAX_RTT_PREV, t.get(cell, F.MAX_RTT));
      t.set(cell, F.MAX_RTT, 0);
    }
  }
  t.max(cell, F.MAX_RTT, us);
}
