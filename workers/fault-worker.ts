/**
 * A test entry point (never loaded by a normal scan): the same worker, with a
 * fault. `crash:chunk=N:after=M` posts what the chunks have found and ends the
 * process once chunk N's first run has decided M positions, to test that a
 * crashed chunk is re-run without losing or repeating a record. The pool loads
 * this file instead of scan-worker.js only when a fault is asked for
 * (SHARDSCAN_FAULT, read once by the CLI).
 */
import { workerData } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';
import type { EngineHooks } from './loop.js';
import { runChunkWith } from './run-chunk.js';

const fault = String((workerData as { fault?: unknown } | null)?.fault ?? '');
const m = /^crash:chunk=(\d+):after=(\d+)$/.exec(fault);
if (!m) throw new Error(`fault-worker: unknown fault '${fault}'; expected crash:chunk=N:after=M`);
const crashChunk = Number(m[1]);
const crashAfter = Number(m[2]);

const hooks: EngineHooks = {
  decided(chunk, flush) {
    const t = chunk.task;
    if (t.chunkId !== crashChunk || t.attempt !== 0 || chunk.decided < crashAfter) return;
    flush();
    process.exit(70);
  },
};

export default function runChunk(task: ChunkTask): Promise<ChunkResult> {
  return runChunkWith(task, { hooks });
}
