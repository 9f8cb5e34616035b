/**
 * Continue an interrupted shard directory. The checkpoint says which positions
 * are done; every record in the file is mapped back to its position (through
 * the inverse permutation) and kept only if the checkpoint covers it. What the
 * killed run found past its last checkpoint is dropped and probed again, so
 * the finished directory holds exactly one record per position, as an
 * uninterrupted run would.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { BASE_DEFAULTS, type ConfigResult, type ScanConfig, resolveConfig } from '../config/index.js';
import { runsOnCallingThread } from '../config/limits.js';
import { ShardscanError, errnoCode, quote } from '../errors.js';
import { ByteBlock } from '../model/byte-block.js';
import { type CheckpointState, emptyCheckpoint, inRanges } from '../model/checkpoint.js';
import { type ProbeRecord, type RecordBatch, recordLine } from '../model/record.js';
import { emptyCounts } from '../model/states.js';
import { type PreparedScan, prepareScan } from '../prepare.js';
import type { Resolver } from '../targets/parse.js';
import { endpoint } from '../targets/ip.js';
import { SeenPositions, checkCheckpoint, checkFigures, checkManifest, checkReplay, placeOf, twiceText } from './consistency.js';
import { LOCK, type LockInfo, placeLock } from './lock.js';
import { CHECKPOINT, OutDir, mapFileNames, rewriteName } from './outdir.js';
import { ioError } from './io-error.js';
import { type ShardDir, lineBatches, openShardDir, readCheckpoint, readRecords } from './read.js';
import { liveWriter, resumedElapsedMs } from './status.js';

/** Settings a resumed run may change: none of them changes which records the scan produces. */
export type ResumeOverrides = Partial<Pick<ScanConfig, 'workers' | 'concurrency' | 'rate' | 'hostRate' | 'maxTimeSec' | 'engine' | 'format' | 'output' | 'extraReports' | 'sourceAddress'>>;

export interface ResumePlan {
  prep: PreparedScan;
  checkpoint: CheckpointState;
  /** Whether the directory had a checkpoint.json; without one nothing is kept, and every record in the file is probed again. */
  checkpointFound: boolean;
  /** Records of the file the checkpoint covers, kept (each once); the rest are dropped and probed again. */
  kept: number;
  dropped: number;
  /** When the targets were ready (performance.now()): --max-time counts from here, as a new scan's counts from when it probes. */
  preparedAt: number;
  /**
   * The options resolved for the threads the resume runs on (runsOnCallingThread; `threadsAsked`: --workers), as a
   * new scan's are: the descriptor limit judged, a default window worked out again; prep.config judges no limit.
   */
  resolve(threadsAsked: boolean): ConfigResult;
  startedAt: Date;
  /**
   * Put the kept records in place of the records file and reopen the
   * directory for writing. Call it only once nothing else can refuse the
   * resume (e.g. after the report file is opened), and release() on a
   * refusal: planResume writes only the lock and NAME.tmp, which release()
   * removes, so the directory is then exactly as it was.
   */
  reopen(): OutDir;
  /** The kept records, read back in batches from the records file reopen() put in place. */
  replay(): AsyncIterable<RecordBatch>;
  /** Give the directory back without resuming it (a refusal after planResume): its lock is removed. */
  release(): void;
}

/** Records replayed between two looks at the stop signal. */
const REPLAY_STEP = 4096;

/**
 * This process's claim on a directory it resumes, taken before its records
 * are read. The lock used to be written only once the replay was done: two
 * resumes of one directory both replayed it, both scanned, and one killed
 * could leave it "complete" with most records gone. The lock file is created
 * exclusively; a stale one (its writer dead) is replaced. reopen() checks the
 * claim still holds, which closes the last race of two takers of a stale lock.
 */
class ResumeClaim {
  private constructor(
    private readonly dir: string,
    /** What this process wrote to the lock; null when the directory takes no lock (its rewrite then fails with the reason). */
    private readonly text: string | null,
    /** The stale lock this claim replaced (a killed run's), put back by release(): it is the only word of when that run began. */
    private readonly stale: string | null,
  ) {}

  /**
   * `carriedMs`: the scan time of the runs before this one (resumedElapsedMs), kept in the lock until the manifest
   * holds it: a resume killed before it probed left nothing else of it, and status and the next resume counted from
   * the manifest's 0 (22.5k/s shown for a scan capped at 20,000/s).
   */
  static take(dir: string, carriedMs: number): ResumeClaim {
    const path = join(dir, LOCK);
    let stale: string | null = null;
    for (let tries = 0; tries < 3; tries++) {
      const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString(), carriedMs };
      const text = `${JSON.stringify(info)}\n`;
      try {
        placeLock(dir, text, true);
        return new ResumeClaim(dir, text, stale);
      } catch (err) {
        // Not placed (a full disk, a read-only directory): the directory's rewrite fails with the reason.
        if (errnoCode(err) !== 'EEXIST') return new ResumeClaim(dir, null, null);
      }
      const found = readOrNull(path);
      refuseLiveWriter(dir);
      // Stale: removed only while it is still the lock found stale (another resume may have just taken its place).
      if (found !== null && readOrNull(path) === found) {
        rmSync(path, { force: true });
        stale = found;
      }
    }
    throw new ShardscanError('E_RESUME', `${dir} is being taken by another resume; try again once it has started`);
  }

  private get path(): string {
    return join(this.dir, LOCK);
  }

  holds(): boolean {
    return this.text === null || readOrNull(this.path) === this.text;
  }

  /**
   * Give the directory back as it was: a killed run's lock, which this claim replaced, is put back (a refused or
   * stopped resume removed it, though it said the directory was as it was, and status of a copied directory then
   * read 0/s, ETA ?: the lock was the only word of when that run began).
   */
  release(): void {
    if (this.text === null || !this.holds()) return;
    try {
      if (this.stale !== null) return placeLock(this.dir, this.stale, false);
    } catch {
      // Not put back (a full disk): the refusal being reported is the news; the lock goes, as it used to.
    }
    rmSync(this.path, { force: true });
  }
}

/** Two runs appending to one directory lose records: the second would rewrite the file under the first. */
function refuseLiveWriter(dir: string): void {
  const writer = liveWriter(dir);
  if (writer !== null) throw new ShardscanError('E_RESUME', `${dir} is still being written by ${writer}; resume it once that run has stopped`);
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The refusal for a record that is not a position of this shard. */
export const notOfThisShard = (r: ProbeRecord): ShardscanError =>
  new ShardscanError('E_RESUME', `record ${endpoint(quote(r.host), r.port)} is not part of this shard's scan; the directory was edited or mixed`);

/**
 * A shard directory's checkpoint (an empty one when it has none), refused
 * when it belongs to another scan. Checked against the plan by
 * CheckpointedRecords.
 */
export function checkpointOf(dir: string, scanKey: string, prep: PreparedScan, code: 'E_RESUME' | 'E_MERGE'): CheckpointState {
  const stored = readCheckpoint(dir);
  if (stored === null) return emptyCheckpoint(prep.plan.chunkSize, prep.plan.chunks);
  if (stored.scanKey !== scanKey) throw new ShardscanError(code, `${dir}/checkpoint.json belongs to another scan: the directory was damaged or edited (shardscan validate says more)`);
  return { chunkSize: stored.chunkSize, chunks: stored.chunks, completedBelow: stored.completedBelow, completed: stored.completed, partial: stored.partial, counts: stored.counts, events: stored.events };
}

/**
 * An unfinished shard's records against its checkpoint, as resume keeps them
 * and merge --allow-partial lists them: the checkpoint fits the scan's plan,
 * a record is of this shard, a covered one is there once, and the covered
 * ones are as many as the checkpoint counts (end()). A second record of a
 * decided position was edited in, and which copy is right cannot be told (the
 * first was kept, silently, also when the two disagreed); merge did none of
 * these checks, and put a repeated line in its report twice.
 */
export class CheckpointedRecords {
  private readonly covered: (loc: { chunk: number; k: number }) => boolean;
  private readonly seen: SeenPositions;
  private readonly found = emptyCounts();

  private readonly dir: string;
  private readonly recordsPath: string;
  /** Whether the run that wrote the directory had ended (a copy of a live one has a checkpoint ahead of its records). */
  private readonly runEnded: boolean;

  constructor(
    shard: Pick<ShardDir, 'dir' | 'recordsPath'> & { manifest: Pick<ShardDir['manifest'], 'endedAt'> },
    private readonly prep: PreparedScan,
    private readonly checkpoint: CheckpointState,
    private readonly code: 'E_RESUME' | 'E_MERGE',
  ) {
    ({ dir: this.dir, recordsPath: this.recordsPath } = shard);
    this.runEnded = shard.manifest.endedAt !== null;
    checkCheckpoint(this.dir, checkpoint, prep.plan, code);
    this.covered = coveredPlace(checkpoint);
    this.seen = new SeenPositions(prep.plan.positions, prep.plan.shard.total);
  }

  /** Whether the checkpoint covers `r`, line `n` of the records file. */
  covers(r: ProbeRecord, n: number): boolean {
    const at = placeOf(this.prep, r);
    if (at === null) throw new ShardscanError(this.code, `${this.recordsPath}: ${notOfThisShard(r).message}`);
    if (!this.covered(at)) return false;
    if (!this.seen.add(at.position)) throw new ShardscanError(this.code, `${twiceText(this.recordsPath, n, r)} (shardscan validate says more)`);
    this.found[r.state]++;
    return true;
  }

  /** Every record the checkpoint counts was there. */
  end(): void {
    checkReplay(this.dir, this.checkpoint, this.prep.config.states, this.found, this.runEnded, this.code);
  }
}

/** Whether a place in the walk (chunk and offset) is counted by the checkpoint. */
function coveredPlace(cp: CheckpointState): (loc: { chunk: number; k: number }) => boolean {
  const completed = new Set(cp.completed);
  const partial = new Map(cp.partial.map((p) => [p.id, p]));
  return (loc) => {
    if (loc.chunk < cp.completedBelow || completed.has(loc.chunk)) return true;
    const p = partial.get(loc.chunk);
    return p !== undefined && (loc.k < p.watermark || (p.done !== undefined && inRanges(p.done, loc.k)));
  };
}

/**
 * Read a shard directory and plan its resumption; null when it is already
 * complete. Writes only the directory's lock (see ResumeClaim): the plan
 * holds it until reopen() or release(). `signal` stops the replay of a large
 * records file (E_INTERRUPTED); a Ctrl+C waited seconds for it.
 */
export async function planResume(dir: string, overrides: ResumeOverrides, resolver?: Resolver, signal?: AbortSignal): Promise<ResumePlan | null> {
  const shard = openShardDir(dir);
  if (shard.manifest.status === 'complete') return null;
  const elapsedMs = resumedElapsedMs(dir, shard.manifest);
  const claim = ResumeClaim.take(dir, elapsedMs);
  try {
    return await planClaimed(dir, { ...shard, manifest: { ...shard.manifest, elapsedMs } }, overrides, claim, resolver, signal);
  } catch (err) {
    claim.release();
    throw err;
  }
}

/** What planResume would refuse, a live writer aside (validate does not judge those), found without taking the directory or writing anything. */
export async function checkResumable(dir: string, resolver?: Resolver): Promise<void> {
  const shard = openShardDir(dir);
  if (shard.manifest.status === 'complete') return;
  await planClaimed(dir, shard, {}, null, resolver);
}

/**
 * The manifest's config for a directory that may have been copied or moved
 * (cp -r, rsync to another machine): a file name inside the directory where
 * the scan started is taken inside `dir` instead. A copy's resume used to
 * rewrite the original's reports (`-o d/report.txt`) while its records went
 * to the copy. Names outside the directory are kept as they were.
 */
function movedWith(config: ScanConfig, dir: string): ScanConfig {
  const from = config.outDir;
  if (from === null || from === dir) return config;
  // The directory itself (rel '') and what is inside it move; the rest stays.
  return mapFileNames(config, (path) => {
    const rel = relative(from, path);
    return !rel.startsWith('..') && !isAbsolute(rel) ? join(dir, rel) : path;
  });
}

/** The plan; `claim` null: only its checks, nothing written (checkResumable). */
async function planClaimed(dir: string, shard: ReturnType<typeof openShardDir>, overrides: ResumeOverrides, claim: ResumeClaim | null, resolver?: Resolver, signal?: AbortSignal): Promise<ResumePlan> {
  checkManifest(dir, shard.manifest);
  const moved = movedWith(shard.manifest.config, resolve(dir));
  const given: Partial<ScanConfig> = { ...moved };
  // A default window was cut to the starting machine's `ulimit -n` (38 under 128 with -oA): worked out again for this one.
  if (shard.manifest.windowByDefault === true) delete given.concurrency;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (given as Record<string, unknown>)[k] = v;
  // Another format without -o goes to stdout, as a scan's would: it went into the first run's report file, CSV in
  // report.ndjson, in place of that report.
  if (overrides.format !== undefined && overrides.format !== (moved.format ?? BASE_DEFAULTS.format) && overrides.output === undefined) given.output = null;
  // The same checks and defaults a new scan gets (a manifest's config may omit keys the schema leaves optional),
  // the descriptor limit aside: validate and merge, which plan a shard through here, scan nothing, and a resume
  // is judged by the threads it runs on, which only this plan tells (the resume command resolves it again):
  // under ulimit -n 100 a 10-port scan ran, and its resume, validate and merge were refused for two workers.
  const { config } = resolveConfig(given, { tuning: null, fdLimit: Number.POSITIVE_INFINITY });
  const prep = await prepareScan(config, resolver);
  const preparedAt = performance.now();
  if (prep.scanKey !== shard.manifest.scanKey) {
    throw new ShardscanError('E_RESUME', `the targets or ports of ${dir} no longer give the same scan (an input file, blocklist file or host name changed?); cannot resume it`);
  }
  const checkpoint = checkpointOf(dir, shard.manifest.scanKey, prep, 'E_RESUME');
  checkFigures(dir, shard.manifest, prep);
  const records = new CheckpointedRecords({ ...shard, dir }, prep, checkpoint, 'E_RESUME');
  // The records the checkpoint covers, each once, go to a new records file as they are read: held in memory
  // (with a key string each), a 280,000-record resume peaked at 440 MB.
  const rewrite = claim === null ? null : new RecordsRewrite(shard.recordsPath);
  let kept = 0;
  let dropped = 0;
  try {
    for await (const r of readRecords(shard.recordsPath, shard.manifest.config.banners === true)) {
      if ((kept + dropped) % REPLAY_STEP === 0 && signal?.aborted) throw new ShardscanError('E_INTERRUPTED', `stopped while reading ${dir} to resume it: nothing was probed, and the directory is as it was`);
      if (!records.covers(r, kept + dropped + 1)) {
        dropped++;
        continue;
      }
      rewrite?.add(recordLine(r));
      kept++;
    }
    rewrite?.flush();
    records.end();
  } catch (err) {
    rewrite?.discard();
    throw err;
  }
  return {
    prep,
    checkpoint,
    checkpointFound: existsSync(join(dir, CHECKPOINT)),
    kept,
    dropped,
    preparedAt,
    resolve: (threadsAsked) => {
      const again: Partial<ScanConfig> = { ...prep.config };
      // The window was this machine's default (the first run's was, and no --concurrency now): worked out again.
      if (given.concurrency === undefined) delete again.concurrency;
      return resolveConfig(again, { tuning: null, mainThread: runsOnCallingThread(prep.plan.positions, threadsAsked) });
    },
    startedAt: new Date(shard.manifest.startedAt),
    reopen: () => {
      if (claim === null || rewrite === null) throw new ShardscanError('E_INTERNAL', 'a checked-only resume plan cannot be reopened');
      if (!claim.holds()) {
        rewrite.discard();
        throw new ShardscanError('E_RESUME', `${dir} was taken by another run while this resume read it; nothing was written here`);
      }
      return OutDir.reopen(dir, { ...shard.manifest, config: moved }, rewrite.path, kept);
    },
    replay: () => lineBatches(shard.recordsPath, kept),
    release: () => {
      rewrite?.discard();
      claim?.release();
    },
  };
}

/**
 * The records file a resume keeps, written beside the old one (NAME.tmp) as
 * it is read, in blocks; OutDir.reopen renames it into place. A refused
 * resume removes it, and the directory is as it was.
 */
class RecordsRewrite {
  readonly path: string;
  private fd: number;
  /** The lines gathered for the next write (see ByteBlock). */
  private readonly block = new ByteBlock();

  constructor(private readonly records: string) {
    this.path = rewriteName(records);
    try {
      this.fd = openSync(this.path, 'w');
    } catch (err) {
      throw rewriteError(records, err);
    }
  }

  add(line: string): void {
    if (!this.block.fits(line)) this.flush();
    if (this.block.fits(line)) this.block.add(line);
    else this.write(Buffer.from(line));
  }

  flush(): void {
    this.write(this.block.take());
  }

  private write(buf: Buffer): void {
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (err) {
      this.discard();
      throw rewriteError(this.records, err);
    }
  }

  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.path, { force: true });
  }
}

function rewriteError(records: string, err: unknown): ShardscanError {
  return ioError(rewriteName(records), err, "Free some space (resume rewrites the records file, so it needs about that file's size free) and run resume again.");
}
