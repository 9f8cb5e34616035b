/**
 * A ChunkRunner on the calling thread: the workers' own code (the Engine),
 * with no thread in between. A small scan runs this way (no worker to boot:
 * a one-port scan is done before a thread would be), and so do tests that
 * need the coordinator and the worker loop together without a build.
 */
import { runChunkWith } from '../../workers/run-chunk.js';
import type { EngineOptions } from '../../workers/engine-options.js';
import type { ChunkResult, ChunkTask } from '../wire/messages.js';
import type { ChunkRunner } from './runner.js';

export class InProcessRunner implements ChunkRunner {
  /** No worker thread: chunks run on the calling thread. */
  readonly threads = 0;

  constructor(private readonly opts: EngineOptions = {}) {}

  run(task: ChunkTask): Promise<ChunkResult> {
    return runChunkWith(task, this.opts);
  }

  async destroy(): Promise<void> {}
}
