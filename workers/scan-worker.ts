/** The worker's scan module, which the Piscina entry (entry.cts) loads as the build's scan-worker.cjs: each task is one chunk (see run-chunk.ts). */
import type { ChunkResult, ChunkTask } from '../src/wire/messages.js';
import { runChunkWith } from './run-chunk.js';

// Connect errors arrive by the thousand; their stack traces are never read and
// cost about a fifth of the CPU time (measured on the socket backend).
Error.stackTraceLimit = 0;

export default function runChunk(task: ChunkTask): Promise<ChunkResult> {
  return runChunkWith(task);
}
