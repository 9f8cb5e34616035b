/**
 * The Piscina pool that runs workers/scan-worker.ts. Workers are started at
 * once (minThreads = maxThreads) so they boot while the main thread resolves
 * targets.
 */
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { ShardscanError } from '../errors.js';
import { packagePath } from '../paths.js';

/** The compiled worker entry. Tests run src/ through vitest, so always point at dist/. */
export function workerFile(): string {
  const file = packagePath('dist', 'workers', 'scan-worker.js');
  if (!existsSync(file)) {
    throw new ShardscanError('E_INTERNAL', `worker entry ${file} is missing; run npm run build`);
  }
  return file;
}

/**
 * Chunks each worker holds at once: enough to fill its window, plus one so the
 * next chunk is already feeding the window while the last one drains. The
 * coordinator keeps workers × this many chunks running; Piscina's least-busy
 * balancer spreads them.
 */
export function poolTasksPerWorker(window: number, chunkSize: number): number {
  return Math.min(MAX_TASKS_PER_WORKER - 1, Math.ceil(window / chunkSize) + 1);
}

/** Piscina's per-worker cap; the coordinator's own limit is always below it. */
export const MAX_TASKS_PER_WORKER = 64;

export function createPool(workers: number): Piscina {
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: MAX_TASKS_PER_WORKER,
    // An idle worker must not block its event loop in Atomics.wait: sockets it
    // abandoned on a stop are still closing.
    atomics: 'disabled',
    idleTimeout: 60_000,
    maxQueue: 'auto',
    // Each probe leaves short-lived garbage; V8 otherwise grows every worker's
    // young generation to 32 MB and RSS to ~140 MB on a long scan. Capped at
    // 8 MB, a /8 scan stays at the RSS of a /24 one (~95 MB) at the same rate.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  // A worker that dies with no task in hand would otherwise be an unhandled 'error'.
  pool.on('error', () => undefined);
  return pool;
}
