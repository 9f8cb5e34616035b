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
   * those in `done` (ascending, above the watermark: decided before a stop).
   */
  partial: { id: number; watermark: number; done?: number[] }[];
  /** States of every done position (complete chunks, and partial ones below their watermark). */
  counts: StateCounts;
  events: LocalEvents;
}

/** The checkpoint of a scan that has not decided anything yet. */
export function emptyCheckpoint(chunkSize: number, chunks: number): CheckpointState {
  return { chunkSize, chunks, completedBelow: 0, completed: [], partial: [], counts: emptyCounts(), events: {} };
}
