/**
 * A ChunkRunner on the calling thread: the workers' own code (the Engine),
 * with no thread in between. For tests that need the coordinator and the
 * worker loop together without a build; a real scan uses the Piscina pool.
 */
import { runChunkWith } from '../../workers/scan-worker.js';
import type { EngineOptions } from '../../workers/loop.js';
import type { ChunkResult, ChunkTask } from '../wire/messages.js';
import type { ChunkRunner } from './runner.js';

export class InProcessRunner implements ChunkRunner {
  readonly threads = 1;

  constructor(private readonly opts: EngineOptions = {}) {}

  run(task: ChunkTask): Promise<ChunkResult> {
    return runChunkWith(task, this.opts);
  }

  async destroy(): Promise<void> {}
}
