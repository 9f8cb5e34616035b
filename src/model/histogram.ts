/**
 * A fixed log-scale histogram of durations: 4 buckets per doubling from
 * 10 µs to ~3 minutes, so percentiles are within 19 % and the histogram is a
 * fixed 96 numbers however many samples it holds (it crosses threads and is
 * merged by adding).
 */

export const HIST_BUCKETS = 96;
const BASE_MS = 0.01;
const PER_DOUBLING = 4;

/** The bucket of a duration in ms (per answer and per attempt: a lookup, not a log). */
export function bucketOf(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  const x = ms / BASE_MS;
  if (x >= 2 ** 30) return HIST_BUCKETS - 1;
  // The octave from the leading bit; the quarter from where x lies between its
  // octave's quarter-power bounds (2^(q/4) × 2^e).
  const e = 31 - Math.clz32(x);
  const f = x / 2 ** e;
  const q = f >= QUARTER[3]! ? 3 : f >= QUARTER[2]! ? 2 : f >= QUARTER[1]! ? 1 : 0;
  return Math.min(HIST_BUCKETS - 1, PER_DOUBLING * e + q);
}

const QUARTER = [1, 2 ** 0.25, 2 ** 0.5, 2 ** 0.75];

/** The upper bound of a bucket, in ms. */
export function bucketTop(b: number): number {
  return BASE_MS * 2 ** ((b + 1) / PER_DOUBLING);
}

/**
 * Percentiles of a histogram (counts per bucket), as bucket upper bounds
 * rounded to 0.01 ms, clamped to [min, max] when the caller knows the
 * samples' range; null when empty.
 */
export function percentiles(counts: ArrayLike<number>, ps: readonly number[], min = 0, max = Infinity): number[] | null {
  const at = (b: number): number => Math.round(Math.min(max, Math.max(min, bucketTop(b))) * 100) / 100;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return null;
  return ps.map((p) => {
    const want = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      seen += counts[b]!;
      if (seen >= want) return at(b);
    }
    return at(counts.length - 1);
  });
}
