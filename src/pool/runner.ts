/**
 * Where chunks run. The coordinator hands each chunk to a ChunkRunner: the
 * Piscina pool of worker threads in a real scan (pool.ts), or the same worker
 * code on the coordinator's own thread (in-process.ts), which lets the
 * coordinator be tested from source without a build.
 */
import type { ChunkResult, ChunkTask } from '../wire/messages.js';

export interface ChunkRunner {
  /** Worker threads that run chunks; 0 when they run on the calling thread. */
  readonly threads: number;
  /** Worker threads that died so far (counted by the runner's own pool; none on the calling thread). */
  readonly deaths?: number;
  /** Run one chunk; `task.port` is handed over to the runner. */
  run(task: ChunkTask): Promise<ChunkResult>;
  destroy(): Promise<void>;
}

/**
 * Chunks each worker holds at once: enough to fill its window, plus one so the
 * next chunk is already feeding the window while the last one drains. The
 * coordinator keeps at most workers × this many (+1) chunks running, fewer
 * while the positions they hold exceed what is in flight (its positionBudget);
 * Piscina's least-busy balancer spreads them.
 */
export function poolTasksPerWorker(window: number, chunkSize: number): number {
  return Math.min(MAX_TASKS_PER_WORKER - 1, Math.ceil(window / chunkSize) + 1);
}

/** Piscina's per-worker cap; the coordinator's own limit is always below it. */
export const MAX_TASKS_PER_WORKER = 64;

/** A scan's count of its runner's thread deaths since the last call, from when it was made (a runner that cannot tell: 1, each failed chunk). */
export function deathCounter(runner: ChunkRunner): () => number {
  let seen = runner.deaths ?? 0;
  return () => {
    if (runner.deaths === undefined) return 1;
    const n = runner.deaths - seen;
    seen = runner.deaths;
    return n;
  };
}
