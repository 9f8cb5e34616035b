/**
 * One scan from the command line: config → pool → prepared scan → coordinator,
 * with records going to the report writer and the shard directory, progress
 * and the summary on stderr, and Ctrl+C handled. Shared by `scan` and `resume`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Piscina } from 'piscina';
import { ShardscanError, errnoCode, escapeControls, messageOf, plural, quote, shellWord } from '../errors.js';
import { type ScanConfig, timeoutBounds } from '../config/index.js';
import type { CheckpointState } from '../model/checkpoint.js';
import { firstTryListenMs } from '../model/scan.js';
import type { RecordBatch } from '../model/record.js';
import type { ScanSummary, TimingSummary } from '../model/summary.js';
import { createWriter } from '../output/formats.js';
import { writeReports } from '../output/report.js';
import { runsOnCallingThread, sortedReports } from '../config/limits.js';
import { type OpenReport, endStream } from './report-files.js';
import { cutShort, sayWhileReaderWaits } from './report-end.js';
import type { ChunkRunner } from '../pool/runner.js';
import { type PreparedScan, scanNotes } from '../prepare.js';
import { reportContextOf } from '../scan/report-context.js';
import { recordTally } from '../scan/record-tally.js';
import { type ScanRun, startScan } from '../scan/start.js';
import { MANIFEST, type OutDir } from '../store/outdir.js';
import { defaultShardDir } from '../store/state-dir.js';
import { threadsFor } from '../shard/plan.js';
import type { MetricsServer } from './metrics.js';
import { Progress, clearActiveBar, formatRate } from './progress.js';
import { sayOnQuickExit } from './quick-exit.js';

/** `pipe`: the reader of standard output left before all was written (| head): 141, what a shell reports for nmap, masscan or `seq`, killed by SIGPIPE there; Node ignores SIGPIPE, so it is an exit code here. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, interrupted: 130, pipe: 141 } as const;

export interface RunInput {
  prep: PreparedScan;
  /** Where the report goes (see openReport). */
  out: Writable;
  /** The config's extra reports (-oA, -oX FILE -oG FILE), each opened; written with the main one. */
  extras?: OpenReport[];
  /** Notes to show before the scan (defaults, limits). */
  notes: string[];
  quiet: boolean;
  command: string;
  /** The shard directory to write, already created or reopened; null = none. */
  outDir: OutDir | null;
  /** Records from before a resume, replayed into the reports first (read back from the shard file). */
  replay?: () => AsyncIterable<RecordBatch>;
  resume?: CheckpointState;
  /** When --max-time began to count (performance.now()): a resume's command start. */
  timeFrom?: number;
  /** Stops the scan (first Ctrl+C). */
  signal: AbortSignal;
  startedAt: Date;
  /** A pool started early; used if it has the right size, destroyed otherwise. */
  pool?: Piscina | null;
  /** Write the summary, with this process's CPU time and peak RSS, as JSON here. */
  summaryJson?: string | undefined;
  /** A test fault for the workers (SHARDSCAN_FAULT; see workers/fault-worker.ts). */
  fault?: string | null;
  /** --workers was given (or a test fault for the workers): use worker threads even for a small scan. */
  threadsAsked?: boolean;
  /** --metrics: the server to feed from this scan (its owner closes it). */
  metrics?: MetricsServer | null;
}


/** What --summary-json writes: the scan summary plus this process's resource use (all threads). */
export type SummaryDocument = ScanSummary & {
  outDir: string | null;
  resources: { userMs: number; systemMs: number; maxRssKb: number };
};

/** "rtt p50 20.2 ms, p99 24 ms; timeouts p50 250 ms, p99 250 ms (acted on p99 0.72 ms late); retries 12 (11 answered); window shrank 2 times (retry-answered), 1 undone (random loss or silence); 1 host given up (--host-timeout)". */
export function timingLine(t: TimingSummary): string {
  const parts = [t.rtt ? `rtt p50 ${t.rtt.p50} ms, p99 ${t.rtt.p99} ms` : 'no round trip measured'];
  // Only timeouts that ran out: every answered attempt's was counted too, and a scan where nothing timed out said "timeouts p50 1000 ms".
  // With how late the timers acted on them (a filtered record's rtt is its timeout, and cannot show it).
  const late = t.timerLate ? ` (acted on p99 ${t.timerLate.p99} ms late)` : '';
  parts.push(t.timeout ? `timeouts p50 ${t.timeout.p50} ms, p99 ${t.timeout.p99} ms${late}` : 'no timeout ran out');
  parts.push(`retries ${t.retries} (${t.retriesAnswered} answered)`);
  const shrinks = Object.values(t.windowShrinks).reduce((a, b) => a + b, 0);
  const undone = t.windowShrinksUndone > 0 ? `, ${t.windowShrinksUndone} undone (random loss or silence)` : '';
  if (shrinks > 0) parts.push(`window shrank ${plural(shrinks, 'time')} (${Object.keys(t.windowShrinks).join(', ')})${undone}`);
  if (t.hostsGivenUp > 0) parts.push(`${plural(t.hostsGivenUp, 'host')} given up (--host-timeout)`);
  if ((t.portsHeld ?? 0) > 0) parts.push(`${plural(t.portsHeld!, 'port')} held while a host that had answered was silent (tried again once it answered; filtered after 10 s of silence)`);
  if (t.retryCapHits > 0) parts.push(`${plural(t.retryCapHits, 'port')} filtered at the --max-retries cap (retries were still answered)`);
  return parts.join('; ');
}

/** A report's notes on stderr, even with -q (something went wrong), each once (-oA's sorted reports say the same). */
export function noteOnce(): (text: string) => void {
  const said = new Set<string>();
  return (text) => {
    if (said.has(text)) return;
    said.add(text);
    clearActiveBar();
    process.stderr.write(`shardscan: ${text}\n`);
  };
}

/** Print the final summary on stderr. */
export function printSummary(s: ScanSummary, outDir: OutDir | null, stream: NodeJS.WritableStream = process.stderr): void {
  const secs = (s.elapsedMs / 1000).toFixed(2);
  const head = s.status === 'complete' ? 'done' : `interrupted (${s.stopReason})`;
  const events = Object.entries(s.events).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const shard = s.shard.total > 1 ? `, shard ${s.shard.index}/${s.shard.total}` : '';
  const earlier = s.resumedDone ? `; ${s.resumedDone} done by earlier runs` : '';
  const lines = [
    `shardscan ${head}: ${s.done}/${s.probes} probes (${plural(s.hosts, 'host')} × ${plural(s.ports, 'port')}${shard}${earlier}) in ${secs} s, ${formatRate(s.rate)}`,
    `  open ${s.counts.open}${s.bannerReadsCut ? ` (${s.bannerReadsCut} of them with banner reads the stop cut: resume reads them again)` : ''}, closed ${s.counts.closed}, filtered ${s.counts.filtered}, error ${s.counts.error}; local events: ${events}`,
    `  seed ${s.seed} (${s.order} order), engine ${s.engine}, ${s.workerThreads === 0 ? 'no worker threads (a small scan runs on the main thread)' : plural(s.workerThreads, 'worker')}, up to ${s.concurrency} in flight`,
  ];
  if (s.timing) lines.push(`  ${timingLine(s.timing)}`);
  if (outDir) {
    // A directory removed during the run has nothing to resume.
    const next = s.status === 'complete' ? '' : existsSync(join(outDir.dir, MANIFEST)) ? `  (continue with: shardscan resume ${shellWord(outDir.dir)})` : '  (removed during the run)';
    lines.push(`  shard files: ${escapeControls(outDir.dir)}${next}`);
  }
  stream.write(`${lines.join('\n')}\n`);
}

/** Worker threads (the early pool if it fits), or the main thread for a small scan. */
async function chooseRunner(input: RunInput): Promise<ChunkRunner> {
  const { config, plan } = input.prep;
  let pool = input.pool ?? null;
  if (runsOnCallingThread(plan.positions, input.threadsAsked === true)) {
    void pool?.destroy(); // booting in the background; not waited for
    const { InProcessRunner } = await import('../pool/in-process.js');
    return new InProcessRunner();
  }
  const threads = threadsFor(plan, config.workers);
  if (pool && pool.maxThreads !== threads) {
    await pool.destroy();
    pool = null;
  }
  // Loaded here, not at the top: a small scan never uses piscina, and loading it cost
  // ~11 ms of every start (shardscan 127.0.0.1 -p 1: 223 -> 212 ms, hyperfine).
  const { PoolRunner, createPool } = await import('../pool/pool.js');
  return new PoolRunner(pool ?? createPool(threads, { fault: input.fault }));
}

/**
 * How the complete scan's shard directory `dir` writes a lost report again: a merge into `output`,
 * after a mkdir when the report's directory went with it (a cleanup job), and with --allow-partial
 * for one machine's shard of several (merge refuses a set with shards missing).
 */
function mergeHint(dir: string, format: string, output: string | null, shardOfMany: boolean): string {
  // Standard output that could not be written (a full disk under a redirect): the report to a file of the user's choice.
  const mkdir = output === null || existsSync(dirname(output)) ? '' : `mkdir -p ${shellWord(dirname(output))} && `;
  const merge = `${mkdir}shardscan merge ${shellWord(dir)}${shardOfMany ? ' --allow-partial' : ''} -f ${format} -o ${output === null ? 'FILE' : shellWord(output)}`;
  return shardOfMany ? `; the shard directory keeps this shard's records: ${merge} (with every shard's directory instead, the whole scan's report)` : `; the shard directory keeps its records: ${merge}`;
}

/** Run the scan to its end and return the exit status. Never throws for a scan-time failure. */
export async function runScan(input: RunInput): Promise<number> {
  const { prep, outDir } = input;
  const { config } = prep;
  if (!input.quiet) for (const n of [...input.notes, ...scanNotes(input.prep)]) process.stderr.write(`shardscan: ${n}\n`);

  const out = input.out;
  const extras = input.extras ?? [];
  // Every report, the main one first: its file (null: stdout) and its first stream error.
  const reports = [{ format: config.format, output: config.output, out }, ...extras].map((r) => ({ ...r, error: null as unknown }));
  for (const r of reports) {
    r.out.on('error', (err) => {
      r.error ??= err;
    });
  }
  const runner = await chooseRunner(input);

  let run: ScanRun;
  try {
    run = startScan(prep, {
      sinks: outDir ? [outDir.sink()] : [],
      signal: input.signal,
      resume: input.resume,
      replay: input.replay,
      timeFrom: input.timeFrom,
      runner,
      // Reports that list hosts print per-host "Not shown" lines.
      hostCounts: sortedReports(config) > 0,
      // A test hook, like SHARDSCAN_FAULT: the stall window in ms (default STALL_MS, 10 s).
      stallMs: Number(process.env.SHARDSCAN_STALL_MS) || undefined,
    });
  } catch (err) {
    await runner.destroy();
    throw err;
  }
  input.metrics?.attach(run);
  // A resume's coordinator counts only its own positions per host: its reports' counts come from every record they
  // write, the earlier runs' too, as merge's do (helper 20: a resumed -oX had no <extraports>, -oG no Ignored State).
  const tally = input.resume && sortedReports(config) > 0 ? recordTally(prep, run) : null;
  const ctx = reportContextOf(prep, run, { command: input.command, startedAt: input.startedAt.toISOString(), note: noteOnce(), ...(tally ? { tally: tally.view } : {}) });
  // A report that fails (EPIPE, ENOSPC) is dropped and the others go on; when none is left, the scan stops.
  const writer = writeReports(
    reports.map((r) => ({ writer: createWriter(r.format, ctx), out: r.out })),
    tally?.records ?? run.records,
    (i, err) => {
      reports[i]!.error ??= err;
    },
  );
  // A second Ctrl+C exits at once: say what it may leave cut, and what writes it again (a resume that finds every
  // position decided probes nothing and writes its reports whole).
  sayOnQuickExit(outDir ? `the reports may be cut short: shardscan resume ${shellWord(outDir.dir)} writes them whole again` : 'the reports may be cut short');
  const writerDone = writer.then(
    () => null,
    (err: unknown) => {
      run.stop(isBrokenPipe(err, reports[0]!.error) ? 'output-closed' : 'error');
      return err;
    },
  );

  // No live bar over records streamed to the same terminal: its redraws wrote
  // over them (json) or glued them to the bar line (ndjson, csv). The records
  // on screen show the progress; the summary still ends the run.
  const recordsOnTerminal = config.output === null && Boolean(process.stdout.isTTY) && (config.format === 'ndjson' || config.format === 'csv' || config.format === 'json');
  const progress = input.quiet || (recordsOnTerminal && process.stderr.isTTY) ? null : new Progress({ stream: process.stderr, read: () => run.progress() });
  progress?.start();
  // Said once, as soon as it happens (even with -q: the user must know the results are not about the targets).
  let noRouteSaid = false;
  const sayNoRoute = (): void => {
    const nr = run.noRoute();
    if (nr === null || noRouteSaid) return;
    noRouteSaid = true;
    progress?.clear();
    process.stderr.write(`shardscan: this machine has no route to ${nr.prefix}: its probes failed before leaving (not a port state; counted as error and as the local event no-route)\n`);
  };
  const noRouteTimer = setInterval(sayNoRoute, 250);
  const end = await run.finished;
  clearInterval(noRouteTimer);
  progress?.stop();
  sayNoRoute();
  await runner.destroy();
  const summary = end.summary;
  let failure = end.failure;
  const unsaid = sayWhileReaderWaits(input.signal, reports.some((r) => r.out === process.stdout));
  await writerDone;
  for (const r of reports) {
    try {
      await endStream(r.out);
    } catch (err) {
      r.error ??= err;
    }
  }
  unsaid();
  // A reader that went away (| head, a FIFO's reader) asked for no more: not a failure. Every other failed report is.
  const gone = reports.filter((r) => r.error !== null && isBrokenPipe(r.error));
  const unwritten = reports.filter((r) => r.error !== null && !gone.includes(r));
  const writeFailure = unwritten.length > 0;
  try {
    outDir?.finish(summary);
  } catch (err) {
    failure ??= err;
  } finally {
    outDir?.close();
  }
  // Stopped because the readers went away (| head) and no report was left: stop quietly, exit 141 (EXIT.pipe).
  // Not a signal's stop whose reader left while it was waited for (| less, Ctrl+C, then q): that is interrupted, 130.
  const brokenPipe = gone.length > 0 && (summary.stopReason === 'output-closed' || (gone.length === reports.length && summary.stopReason !== 'signal'));
  // -q asks for silence; a --max-time stop (exit 0) or a signal the user sent
  // (exit 130) is not a failure, but a script still needs to know the scan is
  // not complete and how to go on: one line, not the summary.
  const quietStop = input.quiet && (summary.stopReason === 'time-limit' || summary.stopReason === 'signal') && !failure && !writeFailure;
  // A resume's slice spent whole on reading its directory back: every later slice of that length would do the same
  // (an audit: a /8's 1.5M records, 10 s slices, none probed), so it is said, -q or not, with what would do.
  if (!brokenPipe && input.resume && summary.stopReason === 'time-limit' && summary.done === (summary.resumedDone ?? 0)) {
    const spent = ((performance.now() - (input.timeFrom ?? 0)) / 1000).toFixed(1);
    process.stderr.write(`shardscan: note: reading ${outDir?.dir ?? 'the directory'} back took the whole --max-time ${config.maxTimeSec} s before the first probe (this run: ${spent} s), so nothing was probed, and a slice of that length never will be; give a longer --max-time, or --no-max-time\n`);
  }
  if (!brokenPipe && quietStop) {
    const how = summary.stopReason === 'time-limit' ? 'stopped at --max-time' : 'interrupted';
    const cut = summary.bannerReadsCut ? ` (${summary.bannerReadsCut} banner reads cut)` : '';
    process.stderr.write(`shardscan: ${how} after ${summary.done}/${summary.probes} probes${cut}${outDir ? `; continue with: shardscan resume ${shellWord(outDir.dir)}` : ''}\n`);
  } else if (!brokenPipe && (!input.quiet || summary.status !== 'complete' || failure || writeFailure)) {
    printSummary(summary, outDir);
  }
  // A Ctrl+C after every position was decided: complete, and said, -q or not. (A banner read it cut leaves its
  // position undecided: the scan is then interrupted, and a resume reads it again.)
  if (!brokenPipe && summary.status === 'complete' && input.signal.aborted) {
    process.stderr.write('shardscan: the stop came after every port was probed\n');
  }
  if (!input.quiet && !brokenPipe && nothingAnswered(summary)) {
    process.stderr.write(`shardscan: note: nothing answered (no SYN-ACK, reset or ICMP error): the targets are down or drop every probe, or their round trip is longer than ${firstWait(config)}\n`);
  }
  // Written after a failure too (a full disk, a worker that kept crashing): status interrupted, stopReason error, what
  // was done. Skipped then (`??=`), a resume loop read the slice before's file as this one's.
  const summaryFailure = input.summaryJson ? writeSummaryJson(input.summaryJson, summary, outDir?.dir ?? null) : null;
  if (summaryFailure !== null && failure) process.stderr.write(`shardscan: error: ${messageOf(summaryFailure)}\n`);
  failure ??= summaryFailure;
  // The headline counts what was decided; after a full disk the directory keeps what its last checkpoint covers (less):
  // status and resume said 1536 where the summary said 2720 done (helper 15).
  const kept = failure instanceof ShardscanError && failure.checkpointable && outDir ? outDir.kept : -1;
  if (kept >= 0 && kept < summary.done) process.stderr.write(`shardscan: the shard directory keeps ${kept} of these ${summary.done} probes (its last checkpoint); resume probes the rest again\n`);
  if (writeFailure) {
    // The scan's own failure first (a full disk under the shard directory stopped it, or --summary-json was lost):
    // said with the reports' errors, not instead of them, nor hidden by them.
    if (failure) process.stderr.write(`shardscan: error: ${messageOf(failure)}\n`);
    // A complete scan's shard directory holds every record a report of it holds: merge writes the report again
    // (one machine's shard of several alone only with --allow-partial: merge refuses a set with shards missing).
    const again = outDir !== null && summary.status === 'complete' && !failure ? outDir.dir : null;
    for (const r of unwritten) {
      const how = again === null ? '' : mergeHint(again, r.format, r.output, summary.shard.total > 1);
      process.stderr.write(`shardscan: error: cannot write the report ${r.output ? `to ${r.output}` : 'to standard output'}: ${errnoCode(r.error) ?? messageOf(r.error)}${cutShort(r.output)}${how}\n`);
    }
    return EXIT.runtime;
  }
  if (failure) {
    process.stderr.write(`shardscan: error: ${messageOf(failure)}\n`);
    return failure instanceof ShardscanError && failure.isUsage ? EXIT.usage : EXIT.runtime;
  }
  // The reader of the only report left (| head): a script under `set -o pipefail` sees it, as it sees nmap's SIGPIPE death.
  if (brokenPipe) return EXIT.pipe;
  if (summary.status !== 'complete') return summary.stopReason === 'time-limit' ? EXIT.ok : EXIT.interrupted;
  return EXIT.ok;
}

/**
 * How long a probe to a host that never answered waited, and the option to
 * raise: a first try listens past its timeout for a late answer
 * (firstTryListenMs: 2000 ms by default, where the note named
 * --initial-rtt-timeout's 1000 and the record said rttMs 2000), and its
 * timeout is --initial-rtt-timeout unless --min-rtt-timeout raised it or
 * --timeout or --max-rtt-timeout capped it (the note named 1000 ms after
 * probes that had waited 50 ms under --timeout 50ms, and told a user whose
 * 5 s was capped to 3 s to raise what was not the limit).
 */
export function firstWait(c: ScanConfig): string {
  const { initialMs, maxMs, ceilingFlag: cap } = timeoutBounds(c);
  const waited = firstTryListenMs(initialMs, maxMs);
  if (c.initialRttTimeoutMs > maxMs) {
    return `the ${waited} ms each probe waited (--initial-rtt-timeout ${c.initialRttTimeoutMs} ms, capped by ${cap}); if they may be that far, raise ${cap} too`;
  }
  // Cut by the ceiling, a longer timeout alone would not lengthen the wait.
  const capped = waited === maxMs && waited < firstTryListenMs(initialMs, Infinity);
  const late = waited > initialMs ? `, then on for a late answer${capped ? ` up to ${cap}` : ''}` : '';
  const also = capped ? ` and ${cap}` : '';
  if (initialMs > c.initialRttTimeoutMs) return `the ${waited} ms each probe waited (--min-rtt-timeout ${initialMs} ms${late}); if they may be that far, raise --initial-rtt-timeout above it${also}`;
  return `the ${waited} ms each probe waited (--initial-rtt-timeout ${initialMs} ms${late}); if they may be that far, raise --initial-rtt-timeout${also}`;
}

/**
 * A finished scan in which no probe got any answer: every position timed out.
 * A target whose round trip is longer than --initial-rtt-timeout looks exactly
 * like that (it never answers in time, so it earns no retry), as in nmap.
 */
export function nothingAnswered(s: ScanSummary): boolean {
  const answers = s.timing ? (s.timing.rtt?.samples ?? 0) : null;
  return s.status === 'complete' && s.counts.filtered > 0 && s.counts.open + s.counts.closed === 0 && answers === 0;
}

/** --summary-json: the summary with this process's CPU time and peak RSS (all threads). Returns a failure, or null. */
export function writeSummaryJson(path: string, summary: ScanSummary, outDir: string | null): unknown {
  const ru = process.resourceUsage();
  const doc: SummaryDocument = {
    ...summary,
    outDir,
    resources: { userMs: Math.round(ru.userCPUTime / 1000), systemMs: Math.round(ru.systemCPUTime / 1000), maxRssKb: ru.maxRSS },
  };
  try {
    writeFileSync(path, `${JSON.stringify(doc, null, 2)}\n`);
    return null;
  } catch (err) {
    return new ShardscanError('E_IO', `cannot write --summary-json '${quote(path)}': ${errnoCode(err) ?? messageOf(err)}`);
  }
}

function isBrokenPipe(...errs: unknown[]): boolean {
  return errs.some((e) => errnoCode(e) === 'EPIPE' || (e instanceof Error && /EPIPE/.test(e.message)));
}

/** The default shard directory for a scan: <state dir>/<scan-id> (see store/state-dir.ts). */
export function defaultOutDir(scanId: string): string {
  return defaultShardDir(scanId);
}
