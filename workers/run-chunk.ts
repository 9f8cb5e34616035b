/**
 * One engine per scan per thread: every chunk a thread holds shares one window
 * and one timer. Used by the Piscina entry (scan-worker.ts) and by the
 * in-process runner (src/pool/in-process.ts).
 */
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';
import { Engine, type EngineOptions } from './loop.js';

const engines = new Map<string, Engine>();

/** Run one chunk on this thread's engine for the task's scan (made on first use with `opts`). */
export async function runChunkWith(task: ChunkTask, opts: EngineOptions = {}): Promise<ChunkResult> {
  let engine = engines.get(task.spec.specId);
  if (!engine) {
    engines.clear();
    if (task.spec.banners && !opts.bannerStage) {
      const { BannerStage } = await import('./banner-stage.js');
      opts = { ...opts, bannerStage: (params, done) => new BannerStage(params, done) };
    }
    engine = new Engine(task.spec, opts);
    engines.set(task.spec.specId, engine);
  }
  const stopped = await engine.run(task);
  return { chunkId: task.chunkId, stopped };
}
