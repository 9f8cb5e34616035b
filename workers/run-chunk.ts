/**
 * One engine per scan per thread: every chunk a thread holds shares one window
 * and one timer. Used by the worker's scan module (scan-worker.ts, loaded by
 * entry.cts) and by the in-process runner (src/pool/in-process.ts).
 *
 * The engine is kept as a promise: making it may wait (the banner stage is
 * loaded on first use), and the chunks handed out meanwhile must wait for the
 * same engine. Keeping only the finished engine gave each of them its own,
 * with a window, timer and pending queue of its own, and their chunks ran
 * side by side, out of order (--order serial probed the last host of a range
 * in its first 0.2 s). The pool-wide slots still capped what was in flight.
 */
import type { ChunkResult, ChunkTask, WorkerScanSpec } from '../src/wire/messages.js';
import type { EngineOptions } from './engine-options.js';
import { Engine } from './loop.js';

/**
 * This thread's engines by scan, with the chunks each is running. A chunk of
 * another scan drops only the engines with none: the library's scans may run
 * side by side on the main thread (src/pool/in-process.ts), and clearing them
 * all gave the other scan's next chunk a new engine, 20 a scan instead of 1,
 * and --order serial ran out of order (found by an audit).
 */
const engines = new Map<string, { engine: Promise<Engine>; running: number }>();

/**
 * This thread's banner reads at once: the next of the spec's shares, taken
 * once per engine through a counter shared by every thread. A thread that
 * replaces a dead one takes a share again from the start (the sum may then
 * pass --banner-concurrency by that share, for the rest of the scan).
 */
export function threadShare(banners: NonNullable<WorkerScanSpec['banners']>): number {
  const seat = Atomics.add(new Int32Array(banners.seat), 0, 1);
  return banners.shares[seat % banners.shares.length] ?? banners.concurrency;
}

async function makeEngine(spec: WorkerScanSpec, opts: EngineOptions): Promise<Engine> {
  if (spec.banners) spec = { ...spec, banners: { ...spec.banners, concurrency: threadShare(spec.banners) } };
  if (spec.banners && !opts.bannerStage) {
    const { BannerStage } = await import('./banner-stage.js');
    opts = { ...opts, bannerStage: (params, done) => new BannerStage(params, done) };
  }
  return new Engine(spec, opts);
}

/** Run one chunk on this thread's engine for the task's scan (made on first use with `opts`). */
export async function runChunkWith(task: ChunkTask, opts: EngineOptions = {}): Promise<ChunkResult> {
  let held = engines.get(task.spec.specId);
  if (!held) {
    for (const [id, other] of engines) if (other.running === 0) engines.delete(id);
    held = { engine: makeEngine(task.spec, opts), running: 0 };
    engines.set(task.spec.specId, held);
  }
  held.running++;
  try {
    const stopped = await (await held.engine).run(task);
    return { chunkId: task.chunkId, stopped };
  } finally {
    held.running--;
  }
}
