/**
 * A test entry point (never loaded by a normal scan): the same worker, with a
 * fault. `crash:chunk=N:after=M` posts what the chunks have found and ends its
 * worker thread (process.exit(70)) once chunk N's first run has decided M
 * positions, to test that a crashed chunk is re-run without losing or
 * repeating a record;
 * `crash-always:chunk=N:after=M` does it on every run of chunk N, so the scan
 * fails (E_WORKER) and keeps what it found for a resume. entry.cts loads
 * this file instead of scan-worker.cjs only when a fault is asked for
 * (SHARDSCAN_FAULT, read once by the CLI).
 */
import { workerData } from 'node:worker_threads';
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';
import type { EngineHooks } from './engine-options.js';
import { runChunkWith } from './run-chunk.js';

const fault = String((workerData as { fault?: unknown } | null)?.fault ?? '');
const m = /^(crash|crash-always):chunk=(\d+):after=(\d+)$/.exec(fault);
if (!m) throw new Error(`fault-worker: unknown fault '${fault}'; expected crash:chunk=N:after=M or crash-always:chunk=N:after=M`);
const always = m[1] === 'crash-always';
const crashChunk = Number(m[2]);
const crashAfter = Number(m[3]);

const hooks: EngineHooks = {
  decided(chunk, flush) {
    const t = chunk.task;
    if (t.chunkId !== crashChunk || (t.attempt !== 0 && !always) || chunk.decided < crashAfter) return;
    flush();
    process.exit(70);
  },
};

export default function runChunk(task: ChunkTask): Promise<ChunkResult> {
  return runChunkWith(task, { hooks });
}
