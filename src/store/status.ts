/**
 * Where scans stand, read from their shard directories alone (`shardscan
 * status`, and `resume` without a directory): each shard's state, progress,
 * rate and ETA, grouped into scans by scanKey so that the many shard
 * directories of one sharded scan (a Kubernetes Indexed Job's /results)
 * read as one scan with a total.
 *
 * Progress of an unfinished shard comes from its checkpoint (what a resume
 * keeps). A shard is running while its lock names a live process on this
 * machine; a lock from another machine counts while the manifest has no end
 * and the last checkpoint (before the first one, the lock's start) is younger
 * than RUNNING_MS: a scan rewrites its checkpoint every second while it runs.
 * No lock, no run.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ShardscanError, errnoCode, messageOf, quote } from '../errors.js';
import { type StateCounts, emptyCounts, totalOf } from '../model/states.js';
import { LOCK, type LockInfo, readLock } from './lock.js';
import { CHECKPOINT, MANIFEST, type Manifest } from './outdir.js';
import { type ShardDir, missingRecords, openShardDir, readCheckpoint } from './read.js';

/** A checkpoint younger than this, on a manifest with no end and a lock from another machine, means the scan is still running. */
export const RUNNING_MS = 10_000;

export type ShardState = 'complete' | 'interrupted' | 'running';

export interface ShardStatus {
  dir: string;
  scanId: string;
  scanKey: string;
  shard: { index: number; total: number };
  state: ShardState;
  /** Why an interrupted shard stopped (signal, time-limit, ...); null when complete, running or killed. */
  stopReason: string | null;
  /** Positions decided and kept (for an unfinished shard: what its checkpoint covers). */
  done: number;
  probes: number;
  counts: StateCounts;
  startedAt: string;
  endedAt: string | null;
  /** Time spent scanning over every run, ms. */
  elapsedMs: number;
  /** Decided positions per second over that time. */
  rate: number;
  /** Seconds left at that rate; null when complete or nothing is known yet. */
  etaSec: number | null;
  /** Last sign of life: the end, the last checkpoint, or the start. */
  lastActivity: string;
  /** The records file. */
  records: string;
}

export interface ScanGroup {
  scanKey: string;
  seed: number;
  hosts: number;
  ports: number;
  /** Probes of the whole scan (every shard). */
  probes: number;
  /** Decided over the shards present. */
  done: number;
  /** `copies`: directories beyond the first for a shard index (each index counts once, by its copy furthest along); `running`: shards any copy of which runs now. */
  shards: { total: number; complete: number; interrupted: number; running: number; missing: number; copies: number };
  startedAt: string;
  entries: ShardStatus[];
}

export interface StatusReport {
  scans: ScanGroup[];
  /** Directories that hold a manifest but could not be read, with why. */
  problems: { dir: string; error: string }[];
}

function mtimeMs(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch (err) {
    void err; // gone or unreadable: no time to tell
    return null;
  }
}

/**
 * Whether the run a lock names is alive: asked of the process on this
 * machine (a killed run's lock names a dead one), or null for a lock from
 * another machine (a shared volume), which only the checkpoint's age tells.
 */
function lockAlive(lock: LockInfo): boolean | null {
  if (lock.host !== hostname()) return null;
  if (lock.pid === process.pid) return false;
  try {
    process.kill(lock.pid, 0);
  } catch (err) {
    return errnoCode(err) === 'EPERM' && !startedAfter(lock);
  }
  // A killed writer its parent has not reaped yet (a zombie: an init that reaps late, a parent busy elsewhere)
  // answers signal 0: resume refused its directory as "still being written by process N".
  if (exited(lock.pid)) return false;
  // A process with that number lives; the writer is dead if it started after the lock was taken:
  // after a reboot or a crash the number was given to another process, which kept the shard "running" and resume refused.
  return !startedAfter(lock);
}

/** Whether `pid` has exited and waits to be reaped (state Z or X in /proc/PID/stat); false where /proc cannot tell. */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch (err) {
    void err; // gone meanwhile, or no /proc: signal 0 said it lives
    return false;
  }
}

/** Whether the process the lock names started (Linux /proc) more than 2 s after the lock was taken. */
function startedAfter(lock: LockInfo): boolean {
  const since = Date.parse(lock.since);
  if (!Number.isFinite(since)) return false;
  try {
    // Field 22 of /proc/PID/stat, after the command name in parentheses: start time in clock ticks (USER_HZ, 100) after boot.
    const stat = readFileSync(`/proc/${lock.pid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return false;
    return btime * 1000 + ticks * 10 > since + 2000;
  } catch (err) {
    void err; // no /proc (not Linux), or the process just ended: go by kill(0) alone
    return false;
  }
}

/**
 * Who still writes this directory, or null. A run removes its lock when it
 * ends, even after a failure: none means no writer (resume refuses only a
 * writer it can name; status still goes by the checkpoint's age then).
 */
export function liveWriter(dir: string, now = Date.now()): string | null {
  const lock = readLock(dir);
  if (lock === null || shardStatus(dir, now).state !== 'running') return null;
  return lock.host === hostname() ? `process ${lock.pid}` : `a run on ${lock.host}`;
}

/**
 * Whether the run that left `lastSign` (its last checkpoint's time, or its
 * start; by its machine's clock) wrote within RUNNING_MS. A time ahead of
 * this machine's clock says nothing of when: a machine whose clock ran 5
 * minutes fast left a killed shard "running", and resume and merge refused
 * it, until this clock caught up. Then how long ago the file changed, by the
 * file system's mtime as this machine reads it, decides.
 */
function fresh(dir: string, lastSign: number, now: number): boolean {
  const age = now - lastSign;
  if (age >= 0) return age < RUNNING_MS;
  const changed = mtimeMs(join(dir, CHECKPOINT)) ?? mtimeMs(join(dir, LOCK));
  return changed !== null && now - changed < RUNNING_MS;
}

/**
 * When the directory's last run began: its lock says. The manifest's mtime
 * (written then) is the fallback only: a copy (cp -r, scp, object storage) or
 * clock skew changed it, and the rate with it (1479/s became 0/s or 1/s).
 */
function runStartOf(dir: string, lock: LockInfo | null): number | null {
  const lockSince = lock ? Date.parse(lock.since) : NaN;
  return Number.isFinite(lockSince) ? lockSince : mtimeMs(join(dir, MANIFEST));
}

/**
 * The time an unfinished shard has been scanned, ms: its ended runs' (the
 * manifest's) and, for a run that did not end (running, or killed), its start
 * to its last checkpoint (`writtenAt`; NaN for none).
 */
function elapsedSoFar(m: Manifest, writtenAt: number, runStart: number | null, lock: LockInfo | null): number {
  if (m.endedAt !== null) return m.elapsedMs;
  // A resume's lock carries its earlier runs' time, which its manifest holds only once it probes.
  const before = Math.max(m.elapsedMs, lock?.carriedMs ?? 0);
  if (!Number.isFinite(writtenAt) || runStart === null || writtenAt <= runStart) return before;
  return before + Math.round(writtenAt - runStart);
}

/**
 * What a resume of `dir` starts its manifest's `elapsedMs` from: with a
 * killed run's time (start to last checkpoint) added, since it never wrote
 * its own. Left out, `status` after a SIGKILL and a resume showed 3.6k/s for
 * a 500/s scan: the killed run's positions over the resume's time alone.
 * Read before the resume takes the directory's lock (the killed run's).
 */
export function resumedElapsedMs(dir: string, m: Manifest): number {
  let writtenAt = NaN;
  try {
    writtenAt = Date.parse(readCheckpoint(dir)?.writtenAt ?? '');
  } catch (err) {
    void err; // a damaged checkpoint: the resume refuses it, with the reason
  }
  const lock = readLock(dir);
  return elapsedSoFar(m, writtenAt, runStartOf(dir, lock), lock);
}

/** One shard directory's status; throws for a directory that cannot be read. */
export function shardStatus(dir: string, now = Date.now()): ShardStatus {
  return statusOf(openShardDir(dir), now);
}

function statusOf({ dir, manifest: m, recordsPath }: ShardDir, now: number): ShardStatus {
  // A scan makes its records file before its manifest: without it the directory is damaged, whatever the manifest says
  // (a complete shard without records showed as complete, and only merge said otherwise).
  if (!existsSync(recordsPath)) throw missingRecords(recordsPath);
  const complete = m.status === 'complete';
  const cp = complete ? null : readCheckpoint(dir);
  // Unfinished, its progress is what its checkpoint covers, what a resume keeps: none without one (the manifest's
  // counts of a stopped run showed as 11.5 % done, and the resume then kept nothing).
  const counts = complete ? m.counts : (cp?.counts ?? emptyCounts());
  const done = totalOf(counts);
  const writtenAt = cp ? Date.parse(cp.writtenAt) : NaN;
  // Its lock, when it names a process here, says; otherwise a checkpoint younger than RUNNING_MS
  // (a run killed with SIGKILL showed as running for 10 s although its lock named a dead process).
  // No lock, no run: every run takes one before its first record and removes it when it stops (a run
  // stopped by a full disk could not update its manifest, and showed as running for 10 s).
  // A lock with endedAt set is a resume reading the directory before it rewrites it (or a stale one, which lockAlive sees dead).
  const lock = complete ? null : readLock(dir);
  const runStart = runStartOf(dir, lock);
  // Before its first checkpoint, a run that just began has only its start to show for it.
  const lastSign = Number.isFinite(writtenAt) ? writtenAt : (runStart ?? NaN);
  const running = !complete && lock !== null && (lockAlive(lock) ?? (m.endedAt === null && fresh(dir, lastSign, now)));
  const elapsedMs = complete ? m.elapsedMs : elapsedSoFar(m, writtenAt, runStart, lock);
  const rate = done > 0 && elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const left = m.probes - done;
  const activity = [m.startedAt, m.endedAt, cp?.writtenAt].filter((t): t is string => typeof t === 'string').sort();
  return {
    dir,
    scanId: m.scanId,
    scanKey: m.scanKey,
    shard: { ...m.shard },
    state: complete ? 'complete' : running ? 'running' : 'interrupted',
    stopReason: complete || m.endedAt === null ? null : m.stopReason,
    done,
    probes: m.probes,
    counts: { ...counts },
    startedAt: m.startedAt,
    endedAt: m.endedAt,
    elapsedMs: Math.round(elapsedMs),
    rate: Math.round(rate),
    etaSec: complete ? null : left <= 0 ? 0 : rate > 0 ? Math.round(left / rate) : null,
    lastActivity: activity[activity.length - 1]!,
    records: recordsPath,
  };
}

/** Shard directories at `path`: itself when it holds a manifest, else its subdirectories that do. */
export function findShardDirs(path: string): string[] {
  if (!existsSync(path)) throw new ShardscanError('E_OPTION', `no such directory '${quote(path)}'; name a shard directory or a directory of them`);
  if (existsSync(join(path, MANIFEST)) || lostManifest(path)) return [path];
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOTDIR') throw new ShardscanError('E_OPTION', `'${quote(path)}' is a file, not a directory; name a shard directory or a directory of them`);
    throw new ShardscanError('E_IO', `cannot read '${quote(path)}': ${messageOf(err)}`);
  }
  // A subdirectory whose manifest cannot even be looked at (EACCES: written by another user) is kept, for the
  // caller to say why it cannot be read; skipped, it showed as a "missing" shard with exit 0.
  return names.filter((n) => n !== 'lost+found').map((n) => join(path, n)).filter((d) => mayHoldManifest(d) || lostManifest(d));
}

/**
 * A shard directory without its manifest (a checkpoint, which no other file
 * is called, and no manifest.json): said to be damaged, where it was "no
 * scans in DIR", exit 0. A records file alone is not enough: shard records
 * copied together for a script are no scan.
 */
const lostManifest = (dir: string): boolean => existsSync(join(dir, CHECKPOINT));

function mayHoldManifest(dir: string): boolean {
  try {
    statSync(join(dir, MANIFEST));
    return true;
  } catch (err) {
    const code = errnoCode(err);
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** Which of two copies of a shard tells its progress: complete first, then the most positions done. */
const rank = (e: ShardStatus): number => (e.state === 'complete' ? Number.MAX_SAFE_INTEGER : e.done);

/** Every shard directory under `paths`, read and grouped into scans (oldest first). */
export function collectStatus(paths: readonly string[], now = Date.now()): StatusReport {
  const problems: StatusReport['problems'] = [];
  const byKey = new Map<string, { manifest: Manifest; entries: ShardStatus[] }>();
  for (const dir of [...new Set(paths.flatMap(findShardDirs))]) {
    let entry: ShardStatus;
    let manifest: Manifest;
    try {
      const shard = openShardDir(dir);
      manifest = shard.manifest;
      entry = statusOf(shard, now);
    } catch (err) {
      problems.push({ dir, error: messageOf(err) });
      continue;
    }
    const group = byKey.get(entry.scanKey) ?? { manifest, entries: [] };
    group.entries.push(entry);
    byKey.set(entry.scanKey, group);
  }
  const scans = [...byKey.values()].map(({ manifest: m, entries }): ScanGroup => {
    entries.sort((a, b) => a.shard.index - b.shard.index || a.dir.localeCompare(b.dir));
    // Copies of one shard (a directory copied, or a shard run twice) count once, by the copy furthest along:
    // adding them up said "9/3 shards complete ... (300.0%)".
    const best = new Map<number, ShardStatus>();
    for (const e of entries) {
      const b = best.get(e.shard.index);
      if (!b || rank(e) > rank(b)) best.set(e.shard.index, e);
    }
    const counted = [...best.values()];
    const count = (s: ShardState): number => counted.filter((e) => e.state === s).length;
    // Running: a shard any copy of which runs now, the one furthest along or not (a rescan with the same seed beside
    // a complete run showed "1/1 shard complete", "running": 0, while it probed).
    const running = new Set(entries.filter((e) => e.state === 'running').map((e) => e.shard.index)).size;
    return {
      scanKey: m.scanKey,
      seed: m.seed,
      hosts: m.hosts,
      ports: m.ports,
      probes: m.hosts * m.ports,
      done: counted.reduce((n, e) => n + e.done, 0),
      shards: { total: m.shard.total, complete: count('complete'), interrupted: count('interrupted'), running, missing: Math.max(0, m.shard.total - best.size), copies: entries.length - best.size },
      startedAt: entries.map((e) => e.startedAt).sort()[0]!,
      entries,
    };
  });
  scans.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { scans, problems };
}

/**
 * The shard to continue when `resume` names none: the interrupted shard with
 * the latest activity (never a running one: two runs would write one directory).
 */
export function latestInterrupted(report: StatusReport): ShardStatus | null {
  const candidates = report.scans.flatMap((s) => s.entries).filter((e) => e.state === 'interrupted');
  candidates.sort((a, b) => a.lastActivity.localeCompare(b.lastActivity));
  return candidates[candidates.length - 1] ?? null;
}
