/**
 * Timing statistics, worker → coordinator, with each progress message: RTT,
 * timeout and timer-lateness histograms and the retry and window counters, packed as one number
 * array; the coordinator adds them up into the summary's TimingSummary.
 */
import { HIST_BUCKETS, bucketOf, percentiles } from '../model/histogram.js';
import type { DurationStats, TimingHistograms, TimingSummary } from '../model/summary.js';

/**
 * Counters, then each histogram's smallest and largest sample and the sum of
 * its samples, before the three histograms' counts and then their sums of
 * samples per bucket (where in its bucket a percentile lies: histogram.ts).
 */
const RETRIES = 0;
const RETRY_HITS = 1;
const SHRINKS = 2;
const GIVEN_UP = 3;
const RTT_MIN = 4;
const RTT_MAX = 5;
const TIMEOUT_MIN = 6;
const TIMEOUT_MAX = 7;
const RTT_SUM = 8;
const TIMEOUT_SUM = 9;
const CAP_HITS = 10;
const UNDONE = 11;
const LIMITER_SHRINKS = 12;
const HELD = 13;
const LATE_MIN = 14;
const LATE_MAX = 15;
const LATE_SUM = 16;
const HEAD = 17;
const RTT = HEAD;
const TIMEOUT = HEAD + HIST_BUCKETS;
const LATE = HEAD + 2 * HIST_BUCKETS;
/** Each histogram's bucket sums, this far past its counts. */
const SUMS = 3 * HIST_BUCKETS;
const SIZE = HEAD + 6 * HIST_BUCKETS;

/** A zeroed packed array, with no smallest or largest sample yet. */
function emptyPacked(): number[] {
  const data = new Array<number>(SIZE).fill(0);
  data[RTT_MIN] = Infinity;
  data[TIMEOUT_MIN] = Infinity;
  data[LATE_MIN] = Infinity;
  return data;
}

/** Worker side: what happened since the last message. */
export class TimingStats {
  private data = emptyPacked();
  private lastTimeout = NaN;
  private lastTimeoutBucket = TIMEOUT;
  private dirty = false;

  rtt(ms: number): void {
    this.sample(RTT, RTT_SUM, RTT_MIN, RTT_MAX, ms);
  }

  /** One sample into the histogram at `hist`, with its sum, smallest and largest. */
  private sample(hist: number, sum: number, min: number, max: number, ms: number): void {
    const d = this.data;
    const at = hist + bucketOf(ms);
    d[at]!++;
    d[at + SUMS]! += ms;
    d[sum]! += ms;
    if (ms < d[min]!) d[min] = ms;
    if (ms > d[max]!) d[max] = ms;
    this.dirty = true;
  }

  timeout(ms: number): void {
    // Per attempt, and mostly the same value: the bucket of the last one is kept.
    if (ms !== this.lastTimeout) {
      this.lastTimeout = ms;
      this.lastTimeoutBucket = TIMEOUT + bucketOf(ms);
      if (ms < this.data[TIMEOUT_MIN]!) this.data[TIMEOUT_MIN] = ms;
      if (ms > this.data[TIMEOUT_MAX]!) this.data[TIMEOUT_MAX] = ms;
    }
    this.data[this.lastTimeoutBucket]!++;
    this.data[this.lastTimeoutBucket + SUMS]! += ms;
    this.data[TIMEOUT_SUM]! += ms;
    this.dirty = true;
  }

  /**
   * How long after its deadline a timeout was acted on (the loop's check phase): the precision of the
   * per-attempt timers, which a filtered record's rtt (its timeout) does not show.
   */
  late(ms: number): void {
    this.sample(LATE, LATE_SUM, LATE_MIN, LATE_MAX, ms);
  }

  retry(): void {
    this.data[RETRIES]!++;
    this.dirty = true;
  }

  retryAnswered(): void {
    this.data[RETRY_HITS]!++;
    this.dirty = true;
  }

  /** A window shrank: on loss, or (`limiter`) where most answers to retries came only after two tries lost in a row (workers/limiter.ts). */
  windowShrank(limiter = false): void {
    this.data[limiter ? LIMITER_SHRINKS : SHRINKS]!++;
    this.dirty = true;
  }

  /** A window's shrink was undone (the loss was random). */
  windowUndone(): void {
    this.data[UNDONE]!++;
    this.dirty = true;
  }

  /** A position decided filtered at the --max-retries cap while its host's retries still got answers. */
  retryCapHit(): void {
    this.data[CAP_HITS]!++;
    this.dirty = true;
  }

  /** A position was held through its host's outage (workers/outage.ts). */
  portHeld(): void {
    this.data[HELD]!++;
    this.dirty = true;
  }

  /** `hosts` were given up (more than one where neighbours share a clock). */
  gaveUp(hosts: number): void {
    this.data[GIVEN_UP]! += hosts;
    this.dirty = true;
  }

  /** The counts so far, packed (null when nothing happened); starts over. */
  take(): number[] | null {
    if (!this.dirty) return null;
    const out = this.data;
    this.data = emptyPacked();
    // A new array starts with no extremes: the timeout now in use must count in the next one's.
    this.lastTimeout = NaN;
    this.dirty = false;
    return out;
  }
}

/** Coordinator side: the sum of every packed delta. */
export class TimingTotals {
  private readonly sum = Float64Array.from(emptyPacked());

  add(packed: readonly number[]): void {
    const s = this.sum;
    for (let i = 0; i < SIZE; i++) {
      if (i === RTT_MIN || i === TIMEOUT_MIN || i === LATE_MIN) s[i] = Math.min(s[i]!, packed[i] ?? Infinity);
      else if (i === RTT_MAX || i === TIMEOUT_MAX || i === LATE_MAX) s[i] = Math.max(s[i]!, packed[i] ?? 0);
      else s[i]! += packed[i] ?? 0;
    }
  }

  summary(): TimingSummary {
    const s = this.sum;
    return {
      rtt: durations(s, RTT, s[RTT_MIN]!, s[RTT_MAX]!),
      timeout: durations(s, TIMEOUT, s[TIMEOUT_MIN]!, s[TIMEOUT_MAX]!),
      timerLate: durations(s, LATE, s[LATE_MIN]!, s[LATE_MAX]!, true),
      retries: s[RETRIES]!,
      retriesAnswered: s[RETRY_HITS]!,
      windowShrinks: { ...(s[SHRINKS]! > 0 ? { 'retry-answered': s[SHRINKS]! } : {}), ...(s[LIMITER_SHRINKS]! > 0 ? { 'deep-retries': s[LIMITER_SHRINKS]! } : {}) },
      windowShrinksUndone: s[UNDONE]!,
      hostsGivenUp: s[GIVEN_UP]!,
      retryCapHits: s[CAP_HITS]!,
      portsHeld: s[HELD]!,
    };
  }

  /** Positions held so far (an outage) and hosts given up (--host-timeout), for a progress line: the summary's two counts without its percentiles. */
  holds(): { held: number; givenUp: number } {
    return { held: this.sum[HELD]!, givenUp: this.sum[GIVEN_UP]! };
  }

  /** The two histograms whole, with the sums of their samples (for --metrics, whose histograms add up across shards). */
  histograms(): TimingHistograms {
    const s = this.sum;
    return {
      rtt: { counts: Array.from(s.subarray(RTT, RTT + HIST_BUCKETS)), sumMs: s[RTT_SUM]! },
      timeout: { counts: Array.from(s.subarray(TIMEOUT, TIMEOUT + HIST_BUCKETS)), sumMs: s[TIMEOUT_SUM]! },
    };
  }
}

/**
 * The percentiles of the histogram at `hist`, kept inside its smallest and
 * largest sample: a bucket can reach 19 % past every sample (one 1,000 ms
 * timeout read "1102.18 ms", above a --timeout 1s ceiling).
 */
function durations(s: Float64Array, hist: number, min: number, max: number, withMax = false): DurationStats | null {
  const counts = s.subarray(hist, hist + HIST_BUCKETS);
  const p = percentiles(counts, s.subarray(hist + SUMS, hist + SUMS + HIST_BUCKETS), [0.5, 0.9, 0.99], min, max);
  if (p === null) return null;
  let samples = 0;
  for (const n of counts) samples += n;
  return { samples, p50: p[0]!, p90: p[1]!, p99: p[2]!, ...(withMax ? { max: Math.round(max * 100) / 100 } : {}) };
}
