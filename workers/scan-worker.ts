/**
 * Piscina entry point. Each task is one chunk; the worker keeps one Engine per
 * scan so that all chunks it holds share a single window and a single timer.
 */
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';
import { Engine, type EngineOptions } from './loop.js';

// Connect errors arrive by the thousand; their stack traces are never read and
// cost about a fifth of the CPU time (measured on the socket backend).
Error.stackTraceLimit = 0;

const engines = new Map<string, Engine>();

/** Run one chunk on this thread's engine for the task's scan (made on first use with `opts`). */
export async function runChunkWith(task: ChunkTask, opts: EngineOptions = {}): Promise<ChunkResult> {
  let engine = engines.get(task.spec.specId);
  if (!engine) {
    engines.clear();
    engine = new Engine(task.spec, opts);
    engines.set(task.spec.specId, engine);
  }
  const stopped = await engine.run(task);
  return { chunkId: task.chunkId, stopped };
}

export default function runChunk(task: ChunkTask): Promise<ChunkResult> {
  return runChunkWith(task);
}
