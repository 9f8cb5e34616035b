/** Where a scan stands: enough to continue it later (stored as checkpoint.json). */
import { type LocalEvents, type StateCounts, emptyCounts } from './states.js';

export interface CheckpointState {
  chunkSize: number;
  chunks: number;
  /** Every chunk below this id is complete. */
  completedBelow: number;
  /** Complete chunks at or above completedBelow. */
  completed: number[];
  /**
   * Chunks started but not complete: offsets below `watermark` are done, and
   * those in the `done` ranges (above the watermark: decided before a stop).
   */
  partial: { id: number; watermark: number; done?: OffsetRanges }[];
  /** States of every done position (complete chunks, and partial ones below their watermark). */
  counts: StateCounts;
  events: LocalEvents;
}

/** The checkpoint of a scan that has not decided anything yet. */
export function emptyCheckpoint(chunkSize: number, chunks: number): CheckpointState {
  return { chunkSize, chunks, completedBelow: 0, completed: [], partial: [], counts: emptyCounts(), events: {} };
}

/** Offsets of a chunk as ascending, disjoint [first, end) ranges: a stop's decided offsets come in long runs. */
export type OffsetRanges = [number, number][];

/** The part of `ranges` at or above `from`. */
export function rangesFrom(ranges: readonly (readonly [number, number])[], from: number): OffsetRanges {
  const out: OffsetRanges = [];
  for (const [a, b] of ranges) if (b > from) out.push([Math.max(a, from), b]);
  return out;
}

/** Whether `k` is in `ranges` (binary search). */
export function inRanges(ranges: readonly (readonly [number, number])[], k: number): boolean {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (k < a) hi = mid;
    else if (k >= b) lo = mid + 1;
    else return true;
  }
  return false;
}
