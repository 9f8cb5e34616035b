/**
 * Timing statistics, worker → coordinator, with each progress message: RTT and
 * timeout histograms and the retry and window counters, packed as one number
 * array; the coordinator adds them up into the summary's TimingSummary.
 */
import { HIST_BUCKETS, bucketOf, percentiles } from '../model/histogram.js';
import type { DurationStats, TimingSummary } from '../model/summary.js';

/** Counters before the two histograms. */
const RETRIES = 0;
const RETRY_HITS = 1;
const SHRINKS = 2;
const GIVEN_UP = 3;
const HEAD = 4;
const RTT = HEAD;
const TIMEOUT = HEAD + HIST_BUCKETS;
const SIZE = HEAD + 2 * HIST_BUCKETS;

/** Worker side: what happened since the last message. */
export class TimingStats {
  private data = new Array<number>(SIZE).fill(0);
  private lastTimeout = NaN;
  private lastTimeoutBucket = TIMEOUT;
  private dirty = false;

  rtt(ms: number): void {
    this.data[RTT + bucketOf(ms)]!++;
    this.dirty = true;
  }

  timeout(ms: number): void {
    // Per attempt, and mostly the same value: the bucket of the last one is kept.
    if (ms !== this.lastTimeout) {
      this.lastTimeout = ms;
      this.lastTimeoutBucket = TIMEOUT + bucketOf(ms);
    }
    this.data[this.lastTimeoutBucket]!++;
    this.dirty = true;
  }

  retry(): void {
    this.data[RETRIES]!++;
    this.dirty = true;
  }

  retryAnswered(): void {
    this.data[RETRY_HITS]!++;
    this.dirty = true;
  }

  windowShrank(): void {
    this.data[SHRINKS]!++;
    this.dirty = true;
  }

  gaveUp(): void {
    this.data[GIVEN_UP]!++;
    this.dirty = true;
  }

  /** The counts so far, packed (null when nothing happened); starts over. */
  take(): number[] | null {
    if (!this.dirty) return null;
    const out = this.data;
    this.data = new Array<number>(SIZE).fill(0);
    this.dirty = false;
    return out;
  }
}

/** Coordinator side: the sum of every packed delta. */
export class TimingTotals {
  private readonly sum = new Float64Array(SIZE);

  add(packed: readonly number[]): void {
    for (let i = 0; i < SIZE; i++) this.sum[i]! += packed[i] ?? 0;
  }

  summary(): TimingSummary {
    const s = this.sum;
    return {
      rtt: durations(s.subarray(RTT, RTT + HIST_BUCKETS)),
      timeout: durations(s.subarray(TIMEOUT, TIMEOUT + HIST_BUCKETS)),
      retries: s[RETRIES]!,
      retriesAnswered: s[RETRY_HITS]!,
      windowShrinks: s[SHRINKS]! > 0 ? { 'retry-answered': s[SHRINKS]! } : {},
      hostsGivenUp: s[GIVEN_UP]!,
    };
  }
}

function durations(hist: Float64Array): DurationStats | null {
  const p = percentiles(hist, [0.5, 0.9, 0.99]);
  if (p === null) return null;
  let samples = 0;
  for (const n of hist) samples += n;
  return { samples, p50: p[0]!, p90: p[1]!, p99: p[2]! };
}
