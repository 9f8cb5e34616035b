/**
 * One scan from the command line: config → pool → prepared scan → coordinator,
 * with records going to the report writer and the shard directory, progress
 * and the summary on stderr, and Ctrl+C handled. Shared by `scan` and `resume`.
 */
import { createWriteStream, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Piscina } from 'piscina';
import { ShardscanError, errnoCode, messageOf } from '../errors.js';
import { RecordChannel } from '../output/channel.js';
import { WRITERS, scannedHostsOf, wantsHostCounts } from '../output/formats.js';
import { packageVersion } from '../paths.js';
import { type CheckpointState, Coordinator, type ScanSummary } from '../pool/coordinator.js';
import { createPool } from '../pool/pool.js';
import type { PreparedScan } from '../prepare.js';
import { OutDir } from '../store/outdir.js';
import type { ProbeRecord } from '../types.js';
import { Progress, formatRate } from './progress.js';

export const EXIT = { ok: 0, runtime: 1, usage: 2, interrupted: 130 } as const;

export interface RunInput {
  prep: PreparedScan;
  /** Where the report goes (see openReport). */
  out: Writable;
  /** Notes to show before the scan (defaults, limits). */
  notes: string[];
  quiet: boolean;
  command: string;
  /** The shard directory to write, already created or reopened; null = none. */
  outDir: OutDir | null;
  /** Records from before a resume, replayed into the report first. */
  replay?: ProbeRecord[];
  resume?: CheckpointState;
  /** Stops the scan (first Ctrl+C). */
  signal: AbortSignal;
  startedAt: Date;
  /** A pool started early; used if it has the right size, destroyed otherwise. */
  pool?: Piscina | null;
  /** Write the summary, with this process's CPU time and peak RSS, as JSON here. */
  summaryJson?: string | undefined;
}

/** What --summary-json writes: the scan summary plus this process's resource use (all threads). */
export interface SummaryDocument extends ScanSummary {
  outDir: string | null;
  resources: { userMs: number; systemMs: number; maxRssKb: number };
}

/**
 * Open the report destination (a file, or stdout) before anything else is
 * written, so a bad -o path fails at once instead of after the scan.
 */
export function openReport(output: string | null): Writable {
  if (output === null) return process.stdout;
  let fd: number;
  try {
    fd = openSync(output, 'w');
  } catch (err) {
    throw new ShardscanError('E_OUTPUT', `cannot open --output '${output}': ${errnoCode(err) ?? messageOf(err)}`);
  }
  return createWriteStream('', { fd });
}

async function endStream(out: Writable): Promise<void> {
  if (out === process.stdout) return;
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Print the final summary on stderr. */
export function printSummary(s: ScanSummary, outDir: OutDir | null, stream: NodeJS.WritableStream = process.stderr): void {
  const secs = (s.elapsedMs / 1000).toFixed(2);
  const head = s.status === 'complete' ? 'done' : `interrupted (${s.stopReason ?? 'stopped'})`;
  const events = Object.entries(s.events).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const shard = s.shard.total > 1 ? `, shard ${s.shard.index}/${s.shard.total}` : '';
  const lines = [
    `shardscan ${head}: ${s.done}/${s.probes} probes (${plural(s.hosts, 'host')} × ${plural(s.ports, 'port')}${shard}) in ${secs} s, ${formatRate(s.rate)}`,
    `  open ${s.counts.open}, closed ${s.counts.closed}, filtered ${s.counts.filtered}, error ${s.counts.error}; local events: ${events}`,
    `  seed ${s.seed} (${s.order} order), engine ${s.engine}, ${plural(s.workers, 'worker')} × ${Math.floor(s.concurrency / s.workers)} in flight`,
  ];
  if (outDir) {
    lines.push(`  shard files: ${outDir.dir}${s.status === 'complete' ? '' : `  (continue with: shardscan resume ${outDir.dir})`}`);
  }
  stream.write(`${lines.join('\n')}\n`);
}

/** Run the scan to its end and return the exit status. Never throws for a scan-time failure. */
export async function runScan(input: RunInput): Promise<number> {
  const { prep, outDir } = input;
  const { config } = prep;
  if (!input.quiet) for (const n of input.notes) process.stderr.write(`shardscan: ${n}\n`);

  const out = input.out;
  let outError: unknown = null;
  out.on('error', (err) => {
    outError ??= err;
  });
  let coordinator: Coordinator | null = null;
  const channel = new RecordChannel(50_000, () => coordinator?.poke());
  let pool = input.pool ?? null;
  if (pool && pool.maxThreads !== config.workers) {
    await pool.destroy();
    pool = null;
  }
  pool ??= createPool(config.workers);

  coordinator = new Coordinator(
    prep,
    {
      records(batch) {
        // The report first: if the shard file cannot take them (a full disk), the
        // records still reach the user; the checkpoint does not move past them.
        channel.push(batch);
        outDir?.appendRecords(batch);
      },
      checkpoint: outDir ? (state) => outDir.writeCheckpoint(state) : undefined,
      paused: () => channel.full,
    },
    {
      signal: input.signal,
      resume: input.resume,
      pool,
      hostCounts: wantsHostCounts(config.format),
      fault: process.env.SHARDSCAN_FAULT ?? null,
    },
  );
  const c = coordinator;
  const writer = WRITERS[config.format](channel, out, {
    version: packageVersion(),
    command: input.command,
    startedAt: input.startedAt.toISOString(),
    seed: config.seed,
    order: config.order,
    hosts: prep.targets.count,
    ports: prep.ports.count,
    states: config.states,
    summary: () => c.summary(),
    hostCounts: (host) => c.hostCounts(host),
    scannedHosts: () => scannedHostsOf(prep.targets, (host) => c.hostCounts(host)),
  });
  // The writer fails alone (EPIPE, ENOSPC on -o): remember why and stop the scan.
  const writerDone = writer.then(
    () => null,
    (err: unknown) => {
      c.stop(isBrokenPipe(err, outError) ? 'output-closed' : 'error');
      return err;
    },
  );
  if (input.replay && input.replay.length > 0) channel.push(input.replay);

  const progress = input.quiet ? null : new Progress({ stream: process.stderr, read: () => c.progress() });
  progress?.start();
  let failure: unknown = null;
  let summary: ScanSummary;
  try {
    summary = await c.run();
  } catch (err) {
    failure = err;
    summary = c.summary();
  } finally {
    progress?.stop();
    channel.close();
    await pool.destroy();
  }
  const writeFailure = (await writerDone) ?? outError;
  try {
    await endStream(out);
  } catch (err) {
    failure ??= err;
  }
  try {
    outDir?.finish(summary);
  } catch (err) {
    failure ??= err;
  } finally {
    outDir?.close();
  }
  // A reader that closed the pipe (| head) asked for no more: stop quietly, exit 0.
  const brokenPipe = writeFailure !== null && isBrokenPipe(writeFailure, outError);
  if (!brokenPipe && (!input.quiet || summary.status !== 'complete' || failure || writeFailure)) printSummary(summary, outDir);
  if (input.summaryJson) {
    const ru = process.resourceUsage();
    const doc: SummaryDocument = {
      ...summary,
      outDir: outDir?.dir ?? null,
      resources: { userMs: Math.round(ru.userCPUTime / 1000), systemMs: Math.round(ru.systemCPUTime / 1000), maxRssKb: ru.maxRSS },
    };
    try {
      writeFileSync(input.summaryJson, `${JSON.stringify(doc, null, 2)}\n`);
    } catch (err) {
      failure ??= new ShardscanError('E_IO', `cannot write --summary-json ${input.summaryJson}: ${errnoCode(err) ?? messageOf(err)}`);
    }
  }
  if (writeFailure && !brokenPipe) {
    process.stderr.write(`shardscan: error: cannot write the report${config.output ? ` to ${config.output}` : ''}: ${errnoCode(writeFailure) ?? messageOf(writeFailure)}\n`);
    return EXIT.runtime;
  }
  if (failure) {
    process.stderr.write(`shardscan: error: ${messageOf(failure)}\n`);
    return failure instanceof ShardscanError && failure.isUsage ? EXIT.usage : EXIT.runtime;
  }
  if (summary.status !== 'complete') return summary.stopReason === 'time-limit' || brokenPipe ? EXIT.ok : EXIT.interrupted;
  return EXIT.ok;
}

function isBrokenPipe(...errs: unknown[]): boolean {
  return errs.some((e) => errnoCode(e) === 'EPIPE' || (e instanceof Error && /EPIPE/.test(e.message)));
}

/** The default shard directory for a scan: results/<scan-id> under the current directory. */
export function defaultOutDir(scanId: string): string {
  return join('results', scanId);
}
