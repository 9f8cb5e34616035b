/** One run of one chunk as the coordinator follows it, and the bitmap of records it passed on. */
import type { MessagePort } from 'node:worker_threads';
import type { OffsetRanges } from '../model/checkpoint.js';
import type { StateCounts } from '../model/states.js';
import type { ChunkBounds } from '../shard/plan.js';

/** One run of one chunk, as the coordinator follows it. */
export interface ChunkRun {
  bounds: ChunkBounds;
  attempt: number;
  watermark: number;
  /** Committed counts of this run as last reported (to add only the change). */
  committed: StateCounts;
  /** Counts of everything this run decided, committed or not. */
  decidedCounts: StateCounts;
  /** Open ports it reported without deciding them: banner reads its stop cut (ChunkProgress.cutOpen). */
  cutOpen: number;
  /**
   * Offsets whose records were already passed on, one bit each (a chunk of
   * 65,536 needs 8 KB, once per run, where a Set grew and shrank per record).
   * A re-run after a crash inherits the crashed run's bits and skips those records.
   */
  emitted: Uint8Array;
  port: MessagePort;
  gotDone: boolean;
  /** Offsets above the start an earlier run decided (ChunkTask.skip). */
  skip: OffsetRanges;
  /** The offsets above the watermark decided when the run stopped, from its last message; null without one. */
  above: OffsetRanges | null;
}

/** Set bit k; true when it was set already. */
export function testAndSet(bits: Uint8Array, k: number): boolean {
  const mask = 1 << (k & 7);
  const was = (bits[k >> 3]! & mask) !== 0;
  bits[k >> 3]! |= mask;
  return was;
}
