/**
 * Where chunks run. The coordinator hands each chunk to a ChunkRunner: the
 * Piscina pool of worker threads in a real scan (pool.ts), or the same worker
 * code on the coordinator's own thread (in-process.ts), which lets the
 * coordinator be tested from source without a build.
 */
import type { ChunkResult, ChunkTask } from '../wire/messages.js';

export interface ChunkRunner {
  /** Threads that run chunks (the worker count). */
  readonly threads: number;
  /** Run one chunk; `task.port` is handed over to the runner. */
  run(task: ChunkTask): Promise<ChunkResult>;
  destroy(): Promise<void>;
}
