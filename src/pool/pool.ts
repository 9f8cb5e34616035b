/**
 * The Piscina pool that runs workers/scan-worker.ts (loaded through the CommonJS
 * workers/entry.cts). Workers are started at
 * once (minThreads = maxThreads) so they boot while the main thread resolves
 * targets.
 */
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { ShardscanError } from '../errors.js';
import { packagePath } from '../paths.js';

/** The compiled worker entry. Tests run src/ through vitest, so always point at dist/. */
export function workerFile(): string {
  const file = packagePath('dist', 'workers', 'entry.cjs');
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
    // Each probe leaves short-lived garbage, and V8 grows a worker's young
    // generation to 32 MB for it: a /8 scan reached ~140 MB RSS. Capped at
    // 4 MB, scavenges stay short and frequent: measured, the same probe rate,
    // and a long /8 walk stays at the RSS of a small scan (~90 MB).
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
  // A worker that dies with no task in hand would otherwise be an unhandled 'error'.
  pool.on('error', () => undefined);
  return pool;
}
