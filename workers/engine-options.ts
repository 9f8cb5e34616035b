/** What the connect loop (loop.ts) can be given: a backend, test hooks, the banner stage. */
import type { BackendFactory } from './backends/index.js';
import type { BannerParams, BannerStage, GrabDone } from './banner-stage.js';
import type { ChunkLedger } from './ledger.js';

/** Observers for a test entry point (workers/fault-worker.ts); production passes none. */
export interface EngineHooks {
  /** After every decision, with its chunk and a way to post every chunk's records at once. */
  decided?(chunk: ChunkLedger, flush: () => void): void;
}

export interface EngineOptions {
  /** Makes the probe backend; tests pass a fake one that decides when answers arrive. */
  backend?: BackendFactory;
  /**
   * Makes the banner stage (--banners). Passed in, not imported: the banner
   * library (TLS, the pattern table) costs every worker ~20 ms to load, and
   * most scans do not read banners (run-chunk.ts loads it when one does).
   */
  bannerStage?: (params: BannerParams, done: GrabDone) => BannerStage;
  hooks?: EngineHooks;
}
