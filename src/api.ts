/**
 * The library API: scan(options) gives an async iterable of records and a
 * summary promise. The CLI is a thin layer over the same pieces.
 */
import { type ScanConfig, resolveConfig } from './config/index.js';
import { RecordChannel } from './output/channel.js';
import { type ProgressSnapshot, type ScanSummary, Coordinator } from './pool/coordinator.js';
import { prepareScan } from './prepare.js';
import type { Resolver } from './targets/parse.js';
import type { ProbeRecord } from './types.js';

export interface ScanOptions extends Partial<ScanConfig> {
  /** Stops the scan; records found so far are still yielded, then the summary resolves as interrupted. */
  signal?: AbortSignal;
  /** Host name resolver (default: the system's). */
  resolver?: Resolver;
  /** Ignore tuned defaults saved by the bench (default: use them). */
  ignoreTuning?: boolean;
}

export interface ScanHandle extends AsyncIterable<ProbeRecord> {
  /** Resolves when the scan ends (complete or interrupted); rejects on bad options or a failed run. */
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
  signal?.addEventListener('abort', onAbort, { once: true });
  let coordinator: Coordinator | null = null;
  const channel = new RecordChannel(50_000, () => coordinator?.poke());

  const summary = (async () => {
    try {
      const { config } = resolveConfig(given, ignoreTuning ? { tuning: null } : {});
      const prep = await prepareScan(config, resolver);
      coordinator = new Coordinator(prep, { records: (b) => channel.push(b), paused: () => channel.full }, { signal: stopper.signal });
      return await coordinator.run();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      channel.close();
    }
  })();
  // The iterator surfaces failures; keep an unobserved summary from crashing the process.
  summary.catch(() => undefined);

  return {
    summary,
    stop: () => stopper.abort(),
    progress: () => coordinator?.progress() ?? null,
    async *[Symbol.asyncIterator]() {
      try {
        for await (const batch of channel) yield* batch;
        await summary;
      } finally {
        stopper.abort();
      }
    },
  };
}
