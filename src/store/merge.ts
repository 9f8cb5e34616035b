/**
 * `shardscan merge`: one report from every shard directory of a scan. The
 * shards are checked first (read.ts: one scan, none missing or unfinished
 * unless allowed); the summary is the model's merge of each shard's own.
 */
import type { Writable } from 'node:stream';
import type { OutputFormat } from '../config/index.js';
import type { ProbeRecord } from '../model/record.js';
import { type ScanSummary, endedAs, mergeSummaries } from '../model/summary.js';
import { type PortState, totalOf } from '../model/states.js';
import { type MergeView, mergeView } from './merge-states.js';
import { WRITERS } from '../output/formats.js';
import { packageVersion } from '../paths.js';
import { buildPorts } from '../ports/parse.js';
import type { Manifest } from './outdir.js';
import { type ShardDir, checkShardSet, readRecords } from './read.js';

export interface MergeOptions {
  format: OutputFormat;
  allowPartial: boolean;
  /** The command line, for report headers. */
  command: string;
  /** Which states to show (--states); default: what the scan recorded. */
  states?: readonly PortState[];
}

/** A shard's summary, as its manifest tells it. */
export function manifestSummary(m: Manifest): ScanSummary {
  const done = totalOf(m.counts);
  const body = {
    scanKey: m.scanKey,
    seed: m.seed,
    order: m.config.order,
    shard: { ...m.shard },
    hosts: m.hosts,
    ports: m.ports,
    probes: m.probes,
    done,
    counts: { ...m.counts },
    events: { ...m.events },
    engine: m.config.engine,
    workers: m.config.workers,
    concurrency: m.config.concurrency,
    startedAt: m.startedAt,
    elapsedMs: m.elapsedMs,
    rate: Math.round(done / Math.max(m.elapsedMs / 1000, 0.001)),
  };
  return endedAs(body, m.status === 'complete' ? null : (m.stopReason ?? 'signal'));
}

async function* batchesOf(shards: readonly ShardDir[], view: MergeView): AsyncGenerator<ProbeRecord[]> {
  for (const s of shards) {
    let batch: ProbeRecord[] = [];
    for await (const r of readRecords(s.recordsPath)) {
      if (view.keep(r)) batch.push(r);
      if (batch.length >= 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}

/** Write the merged report of `dirs` to `out`. Throws E_MERGE when the directories are not one scan's shards. */
export async function mergeShards(dirs: readonly string[], out: Writable, opts: MergeOptions): Promise<void> {
  const shards = checkShardSet(dirs, opts.allowPartial);
  const first = shards[0]!.manifest;
  const view = mergeView(first.config.states, opts.states);
  const summary = mergeSummaries(
    shards.map((s) => manifestSummary(s.manifest)),
    shards.length === first.shard.total,
  );
  await WRITERS[opts.format](batchesOf(shards, view), out, {
    version: packageVersion(),
    command: opts.command,
    startedAt: summary.startedAt,
    seed: first.seed,
    order: first.config.order,
    hosts: first.hosts,
    ports: first.ports,
    portSpec: buildPorts({ ports: first.config.ports ?? undefined, topPorts: first.config.topPorts ?? undefined, excludePorts: first.config.excludePorts ?? undefined }).toString(),
    states: view.states,
    banners: first.config.banners === true,
    hostCounts: (host) => view.hostCounts(host),
    scannedHosts: () => view.scannedHosts(),
    summary: () => summary,
  });
}
