/**
 * The library API: scan(options) gives an async iterable of records and a
 * summary promise. It starts the scan the way the CLI does (scan/start.ts).
 */
import type { ScanConfig } from './config/index.js';
import type { ProbeRecord } from './model/record.js';
import type { ProgressSnapshot, ScanSummary } from './model/summary.js';
import { claimFds, heldFds, runsOnCallingThread } from './config/limits.js';
import { onAbortOf } from './abort.js';
import { inApiSpelling, textInApiSpelling } from './api-spelling.js';
import { ShardscanError, errnoCode, messageOf } from './errors.js';
import { threadsFor } from './shard/plan.js';
import { InProcessRunner } from './pool/in-process.js';
import { PoolRunner, createPool } from './pool/pool.js';
import { resolveAndPrepare, scanNotes, setupNotes } from './prepare.js';
import { reportContextOf } from './scan/report-context.js';
import { type ScanRun, startScan } from './scan/start.js';
import type { ReportContext } from './output/report.js';
import { type Resolver, stoppable, systemResolver, typedResolver } from './targets/resolve.js';

/**
 * A scan's settings: the config's, without the CLI's report and shard-directory
 * keys (REPORT_OPTIONS), which scan() does not write; a JavaScript caller who
 * gives one anyway gets E_OPTION.
 */
export interface ScanOptions extends Partial<Omit<ScanConfig, (typeof REPORT_OPTIONS)[number]>> {
  /**
   * Stops the scan; records found so far are still yielded, then the summary
   * resolves with status 'interrupted', also when the stop cut only banner
   * reads: their ports are yielded open (named from the port table,
   * `serviceSource: 'port'`) and counted in `done`, which may then equal
   * `probes`. Test `status`, not `done`, for a complete scan.
   */
  signal?: AbortSignal;
  /** Host name resolver (default: the system's). */
  resolver?: Resolver;
  /** Ignore tuned defaults saved by the bench (default: use them). */
  ignoreTuning?: boolean;
}

export interface ScanHandle extends AsyncIterable<ProbeRecord> {
  /**
   * Resolves when the scan ends (complete or interrupted); rejects on bad
   * options or a failed run. (scan() itself throws, as Node's own functions
   * throw on an argument of the wrong type, only for options that are no
   * object, or a `signal` or `resolver` of the wrong type: what it must use
   * before the scan starts.) Records flow as the handle is iterated: while
   * nobody reads them, the scan waits once a few thousand are held (memory
   * stays bounded), so iterate the handle and then await this.
   */
  readonly summary: Promise<ScanSummary>;
  /**
   * What the setup changed or left out, as the CLI says it on stderr before a scan: hosts the blocklist took out, a
   * `concurrency` capped to the descriptor limit, a timeout capped, a name's other addresses, a port pattern's
   * matches. Each names its options as scan() spells them. Resolves once the scan has started ([]: nothing to say);
   * rejects as `summary` does on bad options.
   */
  readonly notes: Promise<string[]>;
  /** The records, once: an iterator that is itself iterable, as a generator is (next() the first, then loop on). */
  [Symbol.asyncIterator](): AsyncIterableIterator<ProbeRecord>;
  /** Stop early: in-flight probes are dropped, decided ones are kept. */
  stop(): void;
  /** Live counters, once the scan has started. */
  progress(): ProgressSnapshot | null;
  /**
   * What createWriter() needs besides the records, once the scan has started
   * (its header; per-host "Not shown" counts; every host scanned, for grep and
   * xml; the summary, read at the report's end): a report of scan()'s records
   * then says what the CLI's says. `command` is the report's command line.
   */
  reportContext(command?: string): Promise<ReportContext>;
}

/** Config keys for the CLI's reports and shard directory, which scan() does not write. */
const REPORT_OPTIONS = ['format', 'output', 'extraReports', 'outDir', 'openHostsOnly'] as const;

/**
 * Scan hosts × ports with TCP connect. Records arrive in the order the workers
 * decide them; which states are yielded follows `states` (default: open).
 *
 * @example
 * for await (const r of scan({ targets: ['127.0.0.1'], ports: '1-1024' })) console.log(r.port, r.state);
 */
export function scan(options: ScanOptions): ScanHandle {
  if (typeof options !== 'object' || options === null) {
    throw new ShardscanError('E_OPTION', `scan() takes an options object, e.g. scan({ targets: ['127.0.0.1'], ports: '1-1024' }); got ${options === null ? 'null' : typeof options}`);
  }
  const { signal, resolver, ignoreTuning, ...given } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ShardscanError('E_OPTION', `scan()'s signal must be an AbortSignal (new AbortController().signal); got ${signal === null ? 'null' : typeof signal}`);
  }
  // Checked here, not when a name needs it: `resolver: 42` passed until a target was a name ("resolver is not a function").
  if (resolver !== undefined && typeof resolver !== 'function') {
    throw new ShardscanError('E_OPTION', `scan()'s resolver must be a function (name, family, all) => address(es); got ${resolver === null ? 'null' : typeof resolver}`);
  }
  // `ignoreTuning: 'no'` read as true (helper 13): a flag that changes a scan's defaults is a boolean or absent.
  if (ignoreTuning !== undefined && typeof ignoreTuning !== 'boolean') {
    throw new ShardscanError('E_OPTION', `scan()'s ignoreTuning must be true or false; got ${ignoreTuning === null ? 'null' : typeof ignoreTuning}`);
  }
  const stopper = new AbortController();
  // Already aborted: the scan stops before its first probe ('abort' will not fire again).
  if (signal?.aborted) stopper.abort();
  const unfollow = signal === undefined || signal.aborted ? () => undefined : onAbortOf(signal, () => stopper.abort());
  let run: ScanRun | null = null;
  // The reader went away before the scan started (return() before the first next()): it stops as a later break stops it.
  let readerGone = false;
  let context: ((command: string) => ReportContext) | null = null;
  let notes: string[] = [];
  let claim = null as ReturnType<typeof claimFds> | null; // set by resolveAndPrepare's callback (a plain null narrows to never)

  const started = (async () => {
    // The types leave them out, but plain JavaScript can pass them: scan() writes no report and no shard directory, so they were silently ignored.
    const ignored = REPORT_OPTIONS.filter((k) => (given as Partial<ScanConfig>)[k] !== undefined);
    if (ignored.length > 0) {
      throw new ShardscanError('E_OPTION', `${ignored.join(', ')}: scan() writes no report and no shard directory; give its records to a writer (createWriter), or run startScan() with a sink`);
    }
    const threadsAsked = given.workers !== undefined;
    // A stop while names still resolve ends the scan then (a resolver that never answers hung it, aborted or not).
    // The window leaves the descriptors the calling program holds and its other scans' windows (helper 22: it took them all).
    const sizing = { ...(ignoreTuning ? { tuning: null } : {}), heldFds };
    const { prep, result } = await resolveAndPrepare(given, threadsAsked, sizing, stoppable(resolver ? typedResolver(resolver) : systemResolver, stopper.signal), (n) => (claim = claimFds(n)));
    // As the CLI: a small scan runs on this thread, with no worker to boot (~0.4 s for 100 ports), unless workers were asked for.
    const runner = runsOnCallingThread(prep.plan.positions, threadsAsked) ? new InProcessRunner() : new PoolRunner(createPool(threadsFor(prep.plan, prep.config.workers)));
    // Per-host counts, for reportContext(): a report's "Not shown" lines and every host scanned.
    run = startScan(prep, { signal: stopper.signal, runner, ownRunner: true, hostCounts: true });
    const running = run;
    claim?.track(() => running.inFlight());
    notes = [...setupNotes(prep, result.notes), ...scanNotes(prep)].map(textInApiSpelling);
    // Before the aborted signal is read (run() reads it later): the first stop reason stands, and it said signal.
    if (readerGone) run.stop('output-closed');
    context = (command) => reportContextOf(prep, run!, { command, startedAt: run!.summary().startedAt });
    return run;
  })().catch((err: unknown) => {
    // The setup's messages name the CLI's flags: say which options they are here.
    throw inApiSpelling(outOfDescriptors(err));
  });
  const summary = started
    .then((r) => r.finished)
    .then(({ summary: s, failure }) => {
      if (failure !== null) throw failure;
      return s;
    })
    .finally(() => {
      unfollow();
      claim?.release();
    });
  // The iterator surfaces failures; keep an unobserved summary from crashing the process.
  summary.catch(() => undefined);
  const setup = started.then(() => notes);
  setup.catch(() => undefined);

  let iterated = false;
  // The reader left once every position was decided: the scan ends as it would have.
  let leftDecided = false;
  async function* records(): AsyncGenerator<ProbeRecord> {
    // Two loops over one handle split its records between them, and one of them never ended.
    if (iterated) throw new ShardscanError('E_OPTION', "a scan's records can be iterated once: keep them, or start another scan");
    iterated = true;
    try {
      const r = await started;
      for await (const batch of r.records) yield* batch.records();
      await summary;
    } finally {
      if (!leftDecided) stopper.abort();
    }
  }
  return {
    summary,
    notes: setup,
    stop: () => stopper.abort(),
    progress: () => run?.progress() ?? null,
    reportContext: async (command = 'scan()') => {
      await started;
      return context!(command);
    },
    [Symbol.asyncIterator](): AsyncIterableIterator<ProbeRecord> {
      const it = records();
      // return() or throw() before the first next() never enters the generator, so its finally never stopped the scan
      // (after throw(), the scan stalled on its unread records and the process never exited).
      const leave = (): void => {
        // The reader went away (break, or a throw in its loop) once every position was decided: no scan is cut, and
        // it ends complete, as on the calling thread it had already (with worker threads, still shutting down, it
        // said interrupted). The status is the scan's; the reader knows what it left unread.
        if (run !== null && run.allDecided()) {
          leftDecided = true;
          return;
        }
        // Otherwise a scan still running stops as a closed report stops it, output-closed (it said signal, and
        // complete when the stop cut only its last banner reads, records unread).
        readerGone = true;
        run?.stop('output-closed');
        stopper.abort();
      };
      const iterator: AsyncIterableIterator<ProbeRecord> = {
        // Itself, as a generator is: next() for the first record, then a loop over the same iterator (helper 22: "it is not async iterable").
        [Symbol.asyncIterator]: () => iterator,
        next: () => it.next(),
        return: (value?: unknown) => {
          leave();
          return it.return(value as undefined);
        },
        // The consumer failed (g.throw(), as `yield*` passes it on): the scan stops as for return(), and the error is its.
        throw: (err?: unknown) => {
          leave();
          return it.throw(err);
        },
      };
      return iterator;
    },
  };
}

/** A file that could not be opened for want of descriptors before the scan began (came back as Node's raw EMFILE): one line saying what to do. */
function outOfDescriptors(err: unknown): unknown {
  const code = errnoCode(err);
  if (code !== 'EMFILE' && code !== 'ENFILE') return err;
  return new ShardscanError('E_IO', `out of file descriptors before the scan began (${messageOf(err)}): raise the limit (ulimit -n) or close some`, { cause: err });
}
