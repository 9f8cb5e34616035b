/**
 * `shardscan merge`: one report from every shard directory of a scan. The
 * shards are checked first (read.ts: one scan, none missing; here: none
 * unfinished; each unless allowed); the summary is the model's merge of each
 * shard's own.
 */
import type { Writable } from 'node:stream';
import type { OutputFormat } from '../config/index.js';
import type { ProbeRecord } from '../model/record.js';
import { type ScanSummary, endedAs, mergeSummaries } from '../model/summary.js';
import { type PortState, type StateCounts, totalOf } from '../model/states.js';
import { liveWriter, shardStatus } from './status.js';
import { type MergeView, mergeView } from './merge-states.js';
import { WRITERS, everyHostOf } from '../output/formats.js';
import { namesOf } from '../model/scan.js';
import { packageVersion } from '../paths.js';
import { buildPorts } from '../ports/parse.js';
import { ShardscanError, messageOf } from '../errors.js';
import { CheckpointedRecords, checkpointOf, notOfThisShard } from './resume.js';
import { CompleteShardCheck, checkManifest } from './consistency.js';
import { prepared } from './validate.js';
import type { PreparedScan } from '../prepare.js';
import { planShard } from '../shard/plan.js';
import type { Manifest } from './outdir.js';
import { type ShardDir, checkShardSet, endsMidLine, readRecords } from './read.js';
import { endpoint } from '../targets/ip.js';

export interface MergeOptions {
  format: OutputFormat;
  allowPartial: boolean;
  /** The command line, for report headers. */
  command: string;
  /** Which states to show (--states); default: what the scan recorded. */
  states?: readonly PortState[];
  /** nmap's --open: grep and XML list only hosts with a record shown, as a scan with --open does. */
  openHostsOnly?: boolean;
  /** What a report has to say that does not stop it (a TMPDIR that filled up). */
  note?: (text: string) => void;
  /** -q: no notes of the merge's own (a writer's failure is still said). */
  quiet?: boolean;
  /** Ctrl+C: the merge stops between records (E_INTERRUPTED), and its reports are not put in place. */
  signal?: AbortSignal;
}

/**
 * A shard's summary, as its manifest tells it. A run that was killed never
 * wrote its counts there (they stay 0): what its last checkpoint covers, and
 * how long it ran until then, are given as `progress` (store/status.ts).
 */
export function manifestSummary(m: Manifest, progress?: { counts: StateCounts; elapsedMs: number; state?: string }): ScanSummary {
  const counts = progress?.counts ?? m.counts;
  const elapsedMs = progress?.elapsedMs ?? m.elapsedMs;
  const done = totalOf(counts);
  const body = {
    scanKey: m.scanKey,
    seed: m.seed,
    order: m.config.order,
    shard: { ...m.shard },
    hosts: m.hosts,
    ports: m.ports,
    probes: m.probes,
    done,
    counts: { ...counts },
    events: { ...m.events },
    engine: m.config.engine,
    workers: m.config.workers,
    // The threads a shard ran on are not kept in its manifest; its setting stands in for them.
    workerThreads: m.config.workers,
    concurrency: m.config.concurrency,
    startedAt: m.startedAt,
    elapsedMs,
    rate: Math.round(done / Math.max(elapsedMs / 1000, 0.001)),
  };
  // No run said why it stopped: one still running has not (it was said to have stopped by a signal), a killed one by SIGKILL.
  // A run that did not end (endedAt null) said nothing either: a killed resume's manifest kept the stop reason of the
  // run before it, and a shard SIGKILLed after a --max-time stop was merged as "interrupted (time-limit)".
  const said = m.endedAt === null ? null : m.stopReason;
  return endedAs(body, m.status === 'complete' ? null : (said ?? (progress?.state === 'running' ? 'unfinished' : 'signal')));
}

/**
 * Every shard's records, in shard order. A complete shard must hold exactly
 * the records its manifest counts, each a position of that shard: a
 * truncated file, a line lost or repeated, or one from another shard or scan
 * is refused (as validate and resume refuse it), never merged into a report
 * whose summary says "complete". (A line copied over from another shard was
 * merged twice, and the one it replaced was lost.)
 */
async function* batchesOf(shards: readonly ShardDir[], view: MergeView, leftOut: { n: number }, made: { scan: PreparedScan | null }, signal?: AbortSignal): AsyncGenerator<ProbeRecord[]> {
  // Made concrete once: the shards are one scan (checkShardSet), so they share
  // targets, ports and walk, and differ only in their part of it (prepared()
  // read and merged a million-line -iL again for every shard).
  let whole: PreparedScan | string | null | undefined;
  for (const s of shards) {
    let batch: ProbeRecord[] = [];
    let n = 0;
    let scan: PreparedScan | null = null;
    const complete = s.manifest.status === 'complete';
    // An unfinished shard (--allow-partial) too: its records are kept as resume keeps them.
    if (whole === undefined) {
      whole = await prepared(s);
      if (typeof whole !== 'string') made.scan = whole;
    }
    if (typeof whole === 'string') {
      if (complete) throw new ShardscanError('E_MERGE', `${s.dir}: ${whole}`);
    } else if (whole !== null) {
      scan = { ...whole, plan: planShard(whole.range, s.manifest.shard, s.manifest.config.chunkSize ?? whole.plan.chunkSize) };
    }
    // Each record of a complete shard once, a position of it: a line repeated and another lost kept the count, and both went into the report.
    const check = scan === null || !complete ? null : new CompleteShardCheck(s.dir, s.manifest, scan);
    // An unfinished shard is checked and counted as resume counts it, by its last checkpoint: the records past it (a killed
    // run wrote them) were listed but not counted (20,588 records under "8192 of 131070 probes"), and are left out.
    const partial = scan === null || complete ? null : new CheckpointedRecords(s, scan, checkpointOf(s.dir, s.manifest.scanKey, scan, 'E_MERGE'), 'E_MERGE');
    checkManifest(s.dir, s.manifest, 'E_MERGE');
    check?.figures();
    for await (const r of readRecords(s.recordsPath, s.manifest.config.banners === true)) {
      n++;
      if (n % 1000 === 0 && signal?.aborted) throw interrupted();
      const wrong = check?.add(r) ?? null;
      if (wrong === 'stray') throw new ShardscanError('E_MERGE', `${s.recordsPath}: ${messageOf(notOfThisShard(r))}: the directory is damaged (shardscan validate ${s.dir})`);
      if (wrong === 'twice') throw new ShardscanError('E_MERGE', `${s.recordsPath}:${n}: record ${endpoint(r.host, r.port)} is there twice: the directory is damaged (shardscan validate ${s.dir})`);
      if (partial !== null && !partial.covers(r, n)) {
        leftOut.n++;
        continue;
      }
      if (view.keep(r)) batch.push(r);
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
    if (s.manifest.status === 'complete' && n !== s.manifest.recordCount) {
      throw new ShardscanError('E_MERGE', `${s.recordsPath} holds ${n} records, but the manifest of this complete shard says ${s.manifest.recordCount}: the directory is damaged (shardscan validate ${s.dir})`);
    }
    // As validate judges it: a complete run ends its file with a whole line (readRecords skipped the rest as a killed run's).
    if (s.manifest.status === 'complete' && endsMidLine(s.recordsPath)) {
      throw new ShardscanError('E_MERGE', `${s.recordsPath} ends in the middle of a line after its last record, which a complete shard never does: the directory is damaged (shardscan validate ${s.dir})`);
    }
    check?.end();
    partial?.end();
    if (batch.length > 0) yield batch;
    if (signal?.aborted) throw interrupted();
  }
}

/** A merge stopped by Ctrl+C (its report files are staged, so none is put in place). */
export const interrupted = (): ShardscanError => new ShardscanError('E_INTERRUPTED', 'merge interrupted');

/**
 * Shards that have not finished, refused with what to do about each: one
 * still running is waited for (it said "run shardscan resume on it first",
 * which then refused: "still being written by process N"); a stopped or
 * killed one is resumed.
 */
function refuseUnfinished(shards: readonly ShardDir[]): void {
  const unfinished = shards.filter((s) => s.manifest.status !== 'complete');
  if (unfinished.length === 0) return;
  for (const s of unfinished) {
    const writer = liveWriter(s.dir);
    if (writer !== null) throw new ShardscanError('E_MERGE', `${s.dir} is still being written by ${writer}; merge once it has finished (or --allow-partial, for what its checkpoint covers so far)`);
  }
  const named = unfinished.map((s) => `${s.dir} (${s.manifest.endedAt === null ? 'killed, or quit at once' : `stopped: ${s.manifest.stopReason ?? 'signal'}`})`);
  throw new ShardscanError('E_MERGE', `${named.join(', ')} did not finish; run shardscan resume on ${unfinished.length > 1 ? 'each' : 'it'} first (or --allow-partial)`);
}

/** Settings that shards of one scan may differ in (the scan key leaves them out), and that change what they record. */
const TIMING_KEYS = [
  ['hostTimeoutMs', '--host-timeout'],
  ['initialRttTimeoutMs', '--initial-rtt-timeout'],
  ['minRttTimeoutMs', '--min-rtt-timeout'],
  ['maxRttTimeoutMs', '--max-rtt-timeout'],
  // A banner read's budget decides which open ports get named (helper 20: a shard read for 100 ms left nine "unknown").
  ['bannerTimeoutMs', '--banner-timeout'],
] as const;

/**
 * A note when the shards ran with different timing settings: they merge (one
 * scan's positions, each decided once), but --host-timeout decides which
 * ports are left as errors, so the merged report mixes two rules. Merged
 * without a word before.
 */
function timingDifferences(shards: readonly ShardDir[]): string | null {
  const parts: string[] = [];
  for (const [key, flag] of TIMING_KEYS) {
    if (key === 'bannerTimeoutMs' && shards[0]?.manifest.config.banners !== true) continue; // no read, no budget
    const values = shards.map((s) => s.manifest.config[key] ?? null);
    if (new Set(values).size < 2) continue;
    parts.push(`${flag} ${shards.map((s, i) => `${values[i] === null ? 'none' : `${values[i]} ms`} (shard ${s.manifest.shard.index})`).slice(0, 4).join(', ')}${shards.length > 4 ? ', …' : ''}`);
  }
  return parts.length === 0 ? null : `the shards ran with different timing settings, and are merged as they were recorded: ${parts.join('; ')}`;
}

/**
 * Write the merged report of `dirs` to the stream `open()` gives, called only
 * once the directories were found to be one scan's shards (so a refused merge
 * has not emptied an existing report). Throws E_MERGE when they are not, or
 * when a complete shard's records do not match its manifest.
 */
export async function mergeShards(dirs: readonly string[], open: () => Writable, opts: MergeOptions): Promise<{ leftOut: number; summary: ScanSummary }> {
  const shards = checkShardSet(dirs, opts.allowPartial);
  if (!opts.allowPartial) refuseUnfinished(shards);
  const first = shards[0]!.manifest;
  const differ = timingDifferences(shards);
  if (differ !== null && opts.quiet !== true) opts.note?.(differ);
  const view = mergeView(first.config.states, opts.states);
  const portSpec = buildPorts({ ports: first.config.ports ?? undefined, topPorts: first.config.topPorts ?? undefined, excludePorts: first.config.excludePorts ?? undefined }).toString();
  const out = open();
  const summary = mergeSummaries(
    shards.map((s) => manifestSummary(s.manifest, s.manifest.status === 'complete' ? undefined : shardStatus(s.dir))),
    shards.length === first.shard.total,
    shards.map((s) => s.manifest.endedAt),
  );
  view.knowTotals(summary.counts, summary.status === 'complete', first.ports);
  const leftOut = { n: 0 };
  const made: { scan: PreparedScan | null } = { scan: null };
  await WRITERS[opts.format](batchesOf(shards, view, leftOut, made, opts.signal), out, {
    version: packageVersion(),
    command: opts.command,
    startedAt: summary.startedAt,
    // The scan ended when its last shard did, not when it was merged (a merge a day later said a day later).
    endedAt: lastEnd(shards.map((s) => s.manifest.endedAt)),
    seed: first.seed,
    order: first.config.order,
    hosts: first.hosts,
    ports: first.ports,
    portSpec,
    states: view.states,
    banners: first.config.banners === true,
    hostCounts: (host) => view.hostCounts(host),
    hostReasons: (host) => view.hostReasons(host),
    hostName: namesOf(first.config.resolved ?? {}),
    note: opts.note,
    // Without per-host counts (open records only), a whole scan that completed still probed every host.
    scannedHosts: () => {
      if (first.config.openHostsOnly === true || opts.openHostsOnly === true) return null;
      const every = summary.status === 'complete' && made.scan !== null ? everyHostOf(made.scan.targets) : null;
      return view.scannedHosts() ?? every;
    },
    summary: () => summary,
  });
  return { leftOut: leftOut.n, summary };
}

/** The latest of the shards' ends (ISO times sort as text); undefined when none recorded one (killed: the report's own time). */
function lastEnd(ends: readonly (string | null)[]): string | undefined {
  const known = ends.filter((e): e is string => e !== null).sort();
  return known[known.length - 1];
}
