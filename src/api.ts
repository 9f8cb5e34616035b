/**
 * The library API: scan(options) gives an async iterable of records and a
 * summary promise. It starts the scan the way the CLI does (scan/start.ts).
 */
import { type ScanConfig, resolveConfig } from './config/index.js';
import type { ProbeRecord } from './model/record.js';
import type { ProgressSnapshot, ScanSummary } from './model/summary.js';
import { PoolRunner, createPool } from './pool/pool.js';
import { prepareScan } from './prepare.js';
import { type ScanRun, startScan } from './scan/start.js';
import type { Resolver } from './targets/parse.js';

export interface ScanOptions extends Partial<ScanConfig> {
  /** Stops the scan; records found so far are still yielded, then the summary resolves as interrupted. */
  signal?: AbortSignal;
  /** Host name resolver (default: the system's). */
  resolver?: Resolver;
  /** Ignore tuned defaults saved by the bench (default: use them). */
  ignoreTuning?: boolean;
}

export interface ScanHandle extends AsyncIterable<ProbeRecord> {
  /**
   * Resolves when the scan ends (complete or interrupted); rejects on bad
   * options or a failed run. Records flow as the handle is iterated: while
   * nobody reads them, the scan waits once a few thousand are held (memory
   * stays bounded), so iterate the handle and then await this.
   */
  readonly summary: Promise<ScanSummary>;
  /** Stop early: in-flight probes are dropped, decided ones are kept. */
  stop(): void;
  /** Live counters, once the scan has started. */
  progress(): ProgressSnapshot | null;
}

/**
 * Scan hosts × ports with TCP connect. Records arrive in the order the workers
 * decide them; which states are yielded follows `states` (default: open).
 *
 * @example
 * for await (const r of scan({ targets: ['127.0.0.1'], ports: '1-1024' })) console.log(r.port, r.state);
 */
export function scan(options: ScanOptions): ScanHandle {
  const { signal, resolver, ignoreTuning, ...given } = options;
  const stopper = new AbortController();
  const onAbort = (): void => stopper.abort();
  // Already aborted: the scan stops before its first probe ('abort' will not fire again).
  if (signal?.aborted) stopper.abort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let run: ScanRun | null = null;

  const started = (async () => {
    const { config } = resolveConfig(given, ignoreTuning ? { tuning: null } : {});
    const prep = await prepareScan(config, resolver);
    run = startScan(prep, { signal: stopper.signal, runner: new PoolRunner(createPool(config.workers)), ownRunner: true });
    return run;
  })();
  const summary = started
    .then((r) => r.finished)
    .then(({ summary: s, failure }) => {
      if (failure !== null) throw failure;
      return s;
    })
    .finally(() => signal?.removeEventListener('abort', onAbort));
  // The iterator surfaces failures; keep an unobserved summary from crashing the process.
  summary.catch(() => undefined);

  return {
    summary,
    stop: () => stopper.abort(),
    progress: () => run?.progress() ?? null,
    async *[Symbol.asyncIterator]() {
      try {
        const r = await started;
        for await (const batch of r.records) yield* batch.records();
        await summary;
      } finally {
        stopper.abort();
      }
    },
  };
}
