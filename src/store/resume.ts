/**
 * Continue an interrupted shard directory. The checkpoint says which positions
 * are done; every record in the file is mapped back to its position (through
 * the inverse permutation) and kept only if the checkpoint covers it. What the
 * killed run found past its last checkpoint is dropped and probed again, so
 * the finished directory holds exactly one record per position, as an
 * uninterrupted run would.
 */
import { type ScanConfig, resolveConfig } from '../config/index.js';
import { ShardscanError, quote } from '../errors.js';
import { type CheckpointState, emptyCheckpoint } from '../model/checkpoint.js';
import { type ProbeRecord, recordKey } from '../model/record.js';
import { type PreparedScan, prepareScan } from '../prepare.js';
import { locate } from '../shard/plan.js';
import type { Resolver } from '../targets/parse.js';
import { checkCheckpoint, checkFigures, checkManifest, checkReplay, positionIn } from './consistency.js';
import { OutDir } from './outdir.js';
import { openShardDir, readCheckpoint, readRecords } from './read.js';
import { liveWriter } from './status.js';

/** Settings a resumed run may change: none of them changes which records the scan produces. */
export type ResumeOverrides = Partial<Pick<ScanConfig, 'workers' | 'concurrency' | 'rate' | 'hostRate' | 'maxTimeSec' | 'engine' | 'format' | 'output' | 'extraReports' | 'sourceAddress'>>;

export interface ResumePlan {
  prep: PreparedScan;
  checkpoint: CheckpointState;
  replay: ProbeRecord[];
  dropped: number;
  startedAt: Date;
  /**
   * Rewrite the records file to hold the replayed records and reopen the
   * directory for writing. Call it only once nothing else can refuse the
   * resume (e.g. after the report file is opened): planResume itself writes
   * nothing, so a refusal leaves the directory exactly as it was.
   */
  reopen(): OutDir;
}

/** Where a record sits in this shard's walk (chunk and offset), or null when it is not a position of this shard at all. */
export function placeOf(prep: PreparedScan, r: ProbeRecord): { chunk: number; k: number } | null {
  const q = positionIn(prep, r);
  return q === null ? null : locate(prep.plan, q);
}

/** The refusal for a record that is not a position of this shard. */
export const notOfThisShard = (r: ProbeRecord): ShardscanError =>
  new ShardscanError('E_RESUME', `record ${quote(r.host)}:${r.port} is not part of this shard's scan; the directory was edited or mixed`);

/** Whether a record's position is counted by the checkpoint. Throws if the record is not of this shard at all. */
export function coveredBy(prep: PreparedScan, cp: CheckpointState): (r: ProbeRecord) => boolean {
  const completed = new Set(cp.completed);
  const partial = new Map(cp.partial.map((p) => [p.id, p.watermark]));
  return (r) => {
    const loc = placeOf(prep, r);
    if (!loc) throw notOfThisShard(r);
    if (loc.chunk < cp.completedBelow || completed.has(loc.chunk)) return true;
    const w = partial.get(loc.chunk);
    return w !== undefined && loc.k < w;
  };
}

/** Read a shard directory and plan its resumption. Writes nothing; null when it is already complete. */
export async function planResume(dir: string, overrides: ResumeOverrides, resolver?: Resolver): Promise<ResumePlan | null> {
  const shard = openShardDir(dir);
  if (shard.manifest.status === 'complete') return null;
  // Two runs appending to one directory lose records: the second would rewrite the file under the first.
  const writer = liveWriter(dir);
  if (writer !== null) throw new ShardscanError('E_RESUME', `${dir} is still being written by ${writer}; resume it once that run has stopped`);
  checkManifest(dir, shard.manifest);
  const given: Partial<ScanConfig> = { ...shard.manifest.config };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (given as Record<string, unknown>)[k] = v;
  // The same checks and defaults a new scan gets (a manifest's config may omit keys the schema leaves optional).
  const { config } = resolveConfig(given, { tuning: null });
  const prep = await prepareScan(config, resolver);
  if (prep.scanKey !== shard.manifest.scanKey) {
    throw new ShardscanError('E_RESUME', `the targets or ports of ${dir} no longer give the same scan (an input file, blocklist file or host name changed?); cannot resume it`);
  }
  const stored = readCheckpoint(dir);
  if (stored && stored.scanKey !== shard.manifest.scanKey) throw new ShardscanError('E_RESUME', `${dir}/checkpoint.json belongs to another scan`);
  const checkpoint: CheckpointState = stored
    ? { chunkSize: stored.chunkSize, chunks: stored.chunks, completedBelow: stored.completedBelow, completed: stored.completed, partial: stored.partial, counts: stored.counts, events: stored.events }
    : emptyCheckpoint(prep.plan.chunkSize, prep.plan.chunks);
  checkFigures(dir, shard.manifest, prep);
  checkCheckpoint(dir, checkpoint, prep.plan);
  const covered = coveredBy(prep, checkpoint);
  const replay: ProbeRecord[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  for await (const r of readRecords(shard.recordsPath)) {
    const key = recordKey(r);
    if (covered(r) && !seen.has(key)) {
      seen.add(key);
      replay.push(r);
    } else {
      dropped++;
    }
  }
  checkReplay(dir, checkpoint, prep.config.states, replay);
  return {
    prep,
    checkpoint,
    replay,
    dropped,
    startedAt: new Date(shard.manifest.startedAt),
    reopen: () => OutDir.reopen(dir, shard.manifest, replay),
  };
}
