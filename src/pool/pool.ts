/**
 * The Piscina pool that runs the worker loop (workers/scan-worker.ts, loaded
 * through the CommonJS workers/entry.cts). Workers are started at once
 * (minThreads = maxThreads) so they boot while the main thread resolves targets.
 */
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { ShardscanError } from '../errors.js';
import { packagePath } from '../paths.js';
import type { ChunkResult, ChunkTask } from '../wire/messages.js';
import { type ChunkRunner, MAX_TASKS_PER_WORKER } from './runner.js';

/** The compiled worker entry: worker threads load JavaScript, so always from dist/. */
export function workerFile(): string {
  const file = packagePath('dist', 'workers', 'entry.cjs');
  if (!existsSync(file)) {
    throw new ShardscanError('E_INTERNAL', `worker entry ${file} is missing; run npm run build`);
  }
  return file;
}

export interface PoolOptions {
  /** A test fault for the workers (workers/fault-worker.ts), e.g. "crash:chunk=1:after=200". */
  fault?: string | null;
}

export function createPool(workers: number, opts: PoolOptions = {}): Piscina {
  const pool = new Piscina({
    filename: workerFile(),
    workerData: opts.fault ? { entry: './fault-worker.js', fault: opts.fault } : null,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: MAX_TASKS_PER_WORKER,
    // An idle worker must not block its event loop in Atomics.wait: sockets it
    // abandoned on a stop are still closing.
    atomics: 'disabled',
    idleTimeout: 60_000,
    maxQueue: 'auto',
    // Each probe leaves short-lived garbage, and V8 grows a worker's young
    // generation to 32 MB for it: a /8 scan reached ~140 MB RSS. Capped,
    // scavenges stay short and frequent: measured, the same probe rate, and a
    // long /8 walk stays at the RSS of a small scan. 2 MB rather than 4 took
    // another ~3.5 MB off peak RSS at the same rate (W1 with every record
    // written: 100.4-100.9 MiB at 4, 96.6-97.6 at 2; 0.85-1.13 s either way).
    resourceLimits: { maxYoungGenerationSizeMb: 2 },
  });
  // A worker that dies with no task in hand would otherwise be an unhandled 'error'.
  pool.on('error', () => undefined);
  return pool;
}

/** Chunks on a Piscina pool, one task per chunk; the task's port is transferred to the worker. */
export class PoolRunner implements ChunkRunner {
  constructor(readonly pool: Piscina) {}

  get threads(): number {
    return this.pool.maxThreads;
  }

  run(task: ChunkTask): Promise<ChunkResult> {
    return this.pool.run(task, { transferList: [task.port] });
  }

  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}
