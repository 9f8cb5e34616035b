/** Small statistics over plain arrays: what the bench needs, nothing more. */
import type { Spread } from './types.js';

/** Nearest-rank percentile (p in 0..100) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank, not interpolation: the p99 of 2,000 overshoots is a value that happened.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Median (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median, min and max. */
export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Round to `digits` decimals (JSON stays readable, no 1.0000000002). */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Overshoot histogram bins, in ms. Uneven on purpose: the goal is about the
 * first 3 ms, and a late expiry can cost a whole timeout (~1000 ms), so a
 * linear axis would hide one or the other. The first bin is "early".
 */
export const OVERSHOOT_EDGES = [0, 0.5, 1, 2, 3, 5, 10, 20, 50, 100, 500, 1000] as const;

/** Labels of the bins: "< 0 (early)", "0–0.5", ..., "≥ 1000". */
export const OVERSHOOT_BINS: readonly string[] = [
  '< 0 (early)',
  ...OVERSHOOT_EDGES.slice(0, -1).map((lo, i) => `${lo}–${OVERSHOOT_EDGES[i + 1]}`),
  `≥ ${OVERSHOOT_EDGES[OVERSHOOT_EDGES.length - 1]}`,
];

/**
 * Whether a W3 cell's overshoots were measured: an engine that reports a
 * timed-out attempt's rtt as its timeout leaves every one at exactly 0, which
 * the table and the chart showed as a perfect figure.
 */
export function overshootRead(t: { source?: 'records' | 'timers'; maxMs: number; medianMs: number; early: number }): boolean {
  return t.source === 'timers' || !(t.maxMs === 0 && t.medianMs === 0 && t.early === 0);
}

/** Counts of `overshoots` (ms) per OVERSHOOT_BINS bin. */
export function overshootHistogram(overshoots: readonly number[]): number[] {
  const counts = new Array<number>(OVERSHOOT_BINS.length).fill(0);
  for (const o of overshoots) {
    let bin = 0;
    if (o >= 0) {
      bin = OVERSHOOT_EDGES.length; // the open-ended last bin unless an edge says otherwise
      for (let i = 1; i < OVERSHOOT_EDGES.length; i++) {
        if (o < OVERSHOOT_EDGES[i]!) {
          bin = i;
          break;
        }
      }
    }
    counts[bin]!++;
  }
  return counts;
}

/** Add `from` into `into`, bin by bin. */
export function addHistogram(into: number[], from: readonly number[]): number[] {
  from.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
  return into;
}
