/**
 * The Piscina pool that runs the worker loop (workers/scan-worker.ts, loaded
 * through the CommonJS workers/entry.cts). Workers are started at once
 * (minThreads = maxThreads) so they boot while the main thread resolves targets.
 */
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { ShardscanError, messageOf } from '../errors.js';
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
  keepErrors(pool);
  return pool;
}

/** Each pool's last 'error' (null before one): the CLI's early pool may lose its workers before a PoolRunner listens. */
const lastErrors = new WeakMap<object, unknown>();

/** Keep a pool's last 'error' for its PoolRunner, once per pool (a worker that dies with no task in hand would otherwise be an unhandled 'error'). */
export function keepErrors(pool: Pick<Piscina, 'on'>): void {
  if (lastErrors.has(pool)) return;
  lastErrors.set(pool, null);
  pool.on('error', (err: unknown) => lastErrors.set(pool, err));
}

/** Chunks on a Piscina pool, one task per chunk; the task's port is transferred to the worker. */
export class PoolRunner implements ChunkRunner {
  /**
   * Set once no worker thread is left and Piscina will start no other; every
   * run then fails with it. Piscina replaces a worker that dies, but not one
   * that fails while it boots (out of descriptors: ERR_WORKER_INIT_FAILED,
   * EMFILE), and its queued tasks then waited forever: scan() in a process
   * with 2 descriptors free hung with 0 threads and 4 tasks queued.
   */
  private dead: ShardscanError | null = null;
  /** The rejections of runs not settled yet, for a pool that dies under them. */
  private readonly waiting = new Set<(err: ShardscanError) => void>();
  private destroying = false;
  /** Threads that died (not destroyed by destroy()): each a 'worker-crash', however many chunks it held. */
  deaths = 0;
  private threadsAtEnd: number | null = null;

  constructor(readonly pool: Piscina) {
    keepErrors(pool); // before the listener below, so it sees the error
    pool.on('error', () => this.checkAlive());
    // Piscina starts a dead worker's replacement right after it removes it: look once that is done. Counted before
    // the dead worker's tasks settle (Piscina rejects them in the same turn, their callbacks run after it).
    pool.on('workerDestroy', () => {
      if (!this.destroying) this.deaths++;
      queueMicrotask(() => this.checkAlive());
    });
  }

  /** The threads alive now, or when destroy() began: a worker that failed to boot is not one the scan ran on (Piscina does not replace it). */
  get threads(): number {
    return this.threadsAtEnd ?? this.pool.threads.length;
  }

  run(task: ChunkTask): Promise<ChunkResult> {
    this.checkAlive();
    if (this.dead !== null) return Promise.reject(this.dead);
    return new Promise<ChunkResult>((resolve, reject) => {
      this.waiting.add(reject);
      this.pool.run(task, { transferList: [task.port] }).then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }

  destroy(): Promise<void> {
    this.threadsAtEnd ??= this.pool.threads.length; // the summary is made after a scan's own runner is destroyed
    this.destroying = true;
    return this.pool.destroy();
  }

  private checkAlive(): void {
    if (this.dead !== null || this.destroying || this.pool.threads.length > 0) return;
    this.dead = noWorkerLeft(lastErrors.get(this.pool) ?? null);
    for (const reject of this.waiting) reject(this.dead);
    this.waiting.clear();
  }
}

/** Why a pool has no worker thread left, in one line; out of descriptors says what to do. */
function noWorkerLeft(cause: unknown): ShardscanError {
  const why = cause === null ? 'every worker thread ended' : messageOf(cause);
  const fds = /\b(EMFILE|ENFILE)\b/.test(why) ? '; too few file descriptors are free: raise the limit (ulimit -n) or close some' : '';
  return new ShardscanError('E_WORKER', `no worker thread could be started or kept (${why})${fds}`, { cause });
}
