/**
 * The shard output directory: manifest.json, shard-<x>-of-<y>.ndjson and
 * checkpoint.json. Records are appended with writeSync, so once a checkpoint
 * that counts them is renamed into place they are in the kernel's hands and
 * survive SIGKILL; the checkpoint never runs ahead of the records file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MAX_MANIFEST_BYTES, MAX_SMALL_FILE_BYTES, makeDirs, readTextCapped } from '../files.js';
import type { ScanConfig } from '../config/index.js';
import { ShardscanError, errnoCode, jsonProblem, messageOf, quote, shellWord } from '../errors.js';
import type { PreparedScan } from '../prepare.js';
import { packageVersion } from '../paths.js';
import { describeErrors, validator } from '../schemas.js';
import type { CheckpointState } from '../model/checkpoint.js';
import type { RecordBatch } from '../model/record.js';
import type { ScanSink } from '../model/sink.js';
import { type LocalEvents, type StateCounts, emptyCounts, totalOf } from '../model/states.js';
import type { ScanSummary, StopReason } from '../model/summary.js';
import { LOCK, type LockInfo, placeLock } from './lock.js';
import { ioError } from './io-error.js';
import { RESERVE, reserveSpace, unreserveSpace } from './reserve.js';

export interface Manifest {
  format: 'shardscan-shard';
  version: 1;
  tool: string;
  scanId: string;
  scanKey: string;
  seed: number;
  shard: { index: number; total: number };
  config: ScanConfig;
  targetsDigest: string;
  hosts: number;
  ports: number;
  probes: number;
  records: string;
  startedAt: string;
  endedAt: string | null;
  status: 'complete' | 'interrupted';
  stopReason: StopReason | null;
  counts: StateCounts;
  events: LocalEvents;
  recordCount: number;
  elapsedMs: number;
  resumed: number;
  /**
   * The window (config.concurrency) was the default, cut to the descriptor limit of the machine that
   * started the scan: a resume works it out again for its own (absent in manifests before it, and then false).
   */
  windowByDefault?: boolean;
}

export interface StoredCheckpoint extends CheckpointState {
  version: 1;
  scanKey: string;
  writtenAt: string;
}

export const MANIFEST = 'manifest.json';
export const CHECKPOINT = 'checkpoint.json';
export function recordsFileName(shard: { index: number; total: number }): string {
  return `shard-${shard.index}-of-${shard.total}.ndjson`;
}

/** Where a resume writes the records it keeps, beside the records file, before renaming it into place (NAME.tmp). */
export const rewriteName = (records: string): string => `${records}.tmp`;

/** The files of a shard directory that shardscan itself writes: no report may be one of them. */
export function ownFileNames(shard: { index: number; total: number }): string[] {
  const records = recordsFileName(shard);
  // The temporary files too: a report on checkpoint.json.tmp was cut by each checkpoint, renamed into place, and left the directory unresumable.
  return [MANIFEST, CHECKPOINT, LOCK, RESERVE, records, rewriteName(records), atomicTemp(MANIFEST), atomicTemp(CHECKPOINT)];
}

/** Where the manifest and the checkpoint are written before they are renamed into place. */
const atomicTemp = (name: string): string => `${name}.tmp`;

/** A name for a scan: UTC start time, seed, a random tail, and the shard when there are several. */
export function makeScanId(startedAt: Date, seed: number, shard: { index: number; total: number }): string {
  const t = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  // A random tail: two scans with one --seed (and shard) that start in the same
  // second got one id, and the second was refused ("already holds a scan").
  const base = `${t}-${seed.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
  return shard.total > 1 ? `${base}-shard-${shard.index}-of-${shard.total}` : base;
}

/** The config with `f` applied to every file name it holds (inputs, reports, the shard directory; not `-`, stdin or stdout). */
export function mapFileNames(config: ScanConfig, f: (path: string) => string): ScanConfig {
  const each = (path: string | null): string | null => (path === null || path === '' || path === '-' ? path : f(path));
  return {
    ...config,
    inputFile: each(config.inputFile),
    excludeFile: each(config.excludeFile),
    output: each(config.output),
    outDir: each(config.outDir),
    blocklist: typeof config.blocklist === 'string' ? f(config.blocklist) : config.blocklist,
    extraReports: config.extraReports.map((r) => ({ ...r, output: f(r.output) })),
  };
}

/**
 * The config as the manifest keeps it: file names absolute, so a resume runs
 * from any directory (a relative -iL was looked up where resume ran: ENOENT).
 * Messages before this point show the names as they were typed.
 */
const withAbsolutePaths = (config: ScanConfig): ScanConfig => mapFileNames(config, (path) => resolve(path));

/** Read and schema-check a JSON file of the directory. */
export function readJson<T>(path: string, schema: 'manifest' | 'checkpoint'): T {
  let parsed: unknown;
  let text: string | undefined;
  try {
    // Capped, and a FIFO in its place lets Ctrl+C through (readTextCapped): readFileSync held both.
    text = readTextCapped(path, schema === 'manifest' ? MAX_MANIFEST_BYTES : MAX_SMALL_FILE_BYTES);
    parsed = JSON.parse(text);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw new ShardscanError('E_RESUME', `${path} does not exist: not a shardscan output directory`);
    if (code === 'EISDIR') throw new ShardscanError('E_RESUME', `${path} is a directory, not a file: not a shardscan output directory`);
    if (code === 'ENOTDIR') throw new ShardscanError('E_RESUME', `${dirname(path)} is a file, not a directory: name a shardscan output directory`);
    if (code !== undefined) throw new ShardscanError('E_IO', `cannot read ${path}: ${code}`);
    throw new ShardscanError('E_SCHEMA', `${path} is not valid JSON: ${jsonProblem(err, text)}`);
  }
  const validate = validator(schema);
  if (!validate(parsed)) throw new ShardscanError('E_SCHEMA', `${path} does not match schemas/${schema}.schema.json: ${describeErrors(validate.errors)}`);
  // A scan keeps a list it read from stdin in the manifest itself and stores no "-": one there (a damaged or edited
  // file) had resume, validate and merge read this process's stdin, and wait on it for ever (a fuzz case did, in CI).
  const config = schema === 'manifest' ? (parsed as { config: Record<string, unknown> }).config : {};
  const stdin = ['inputFile', 'excludeFile', 'blocklist'].find((k) => config[k] === '-');
  if (stdin !== undefined) throw new ShardscanError('E_SCHEMA', `${path}: config.${stdin} is '-' (stdin), which no scan stores (it keeps a list read from stdin in the manifest itself): the file is damaged or was edited`);
  return parsed as T;
}

/** An open shard directory being written by a scan. */
export class OutDir {
  readonly dir: string;
  readonly manifest: Manifest;
  private fd: number;
  private recordCount: number;
  private readonly recordsPath: string;
  /** Why the records file took no more (a full disk): every later batch is refused, so nothing lands after a cut line. */
  private refused: ShardscanError | null = null;
  /** Positions the last checkpoint written covers: what a resume keeps (-1: none written by this run). */
  kept = -1;
  /** A resume's manifest as the run before left it (finish: a slice that probes nothing). */
  private before: Manifest | null = null;

  private constructor(dir: string, manifest: Manifest, fd: number, recordCount: number) {
    this.dir = dir;
    this.manifest = manifest;
    this.fd = fd;
    this.recordCount = recordCount;
    this.recordsPath = join(dir, manifest.records);
  }

  /** Refuses a directory that already holds a scan (create() does too; the CLI asks first, before it serves --metrics). */
  static refuseTaken(dir: string, named = true): void {
    if (existsSync(join(dir, MANIFEST))) {
      // A complete one has nothing to continue: resume would only say so.
      let complete = false;
      try {
        complete = readJson<Manifest>(join(dir, MANIFEST), 'manifest').status === 'complete';
      } catch {
        // Damaged or unreadable: said as before (not complete).
      }
      const what = named ? '--out-dir' : 'the shard directory';
      if (complete) throw new ShardscanError('E_OPTION', `${what} ${dir} already holds a complete scan (merge, validate and status read it); pick another --out-dir`);
      throw new ShardscanError('E_OPTION', `${what} ${dir} already holds a scan; continue it with: shardscan resume ${shellWord(dir)}, or pick another --out-dir`);
    }
  }

  /**
   * Start a new shard directory; refuses one that already holds a scan. `named`: the user gave it (--out-dir),
   * else it is in the state directory, and the messages say so (they named an --out-dir never given).
   */
  static create(dir: string, prep: PreparedScan, scanId: string, startedAt: Date, named = true, windowByDefault = false): OutDir {
    const what = named ? '--out-dir' : 'the shard directory';
    OutDir.refuseTaken(dir, named);
    const made = !existsSync(dir);
    try {
      makeDirs(dir);
    } catch (err) {
      const where = named ? 'pick a writable directory (or --no-out-dir)' : 'the state directory is not writable: set SHARDSCAN_STATE_DIR, or give --out-dir DIR (or --no-out-dir)';
      throw new ShardscanError('E_OUTPUT', `cannot create ${what} '${quote(dir)}': ${errnoCode(err) ?? messageOf(err)}; ${where}`);
    }
    const { config } = prep;
    const manifest: Manifest = {
      format: 'shardscan-shard',
      version: 1,
      tool: packageVersion(),
      scanId,
      scanKey: prep.scanKey,
      seed: config.seed,
      shard: { ...config.shard },
      config: withAbsolutePaths(JSON.parse(JSON.stringify(config)) as ScanConfig),
      targetsDigest: prep.targetsDigest,
      hosts: prep.targets.count,
      ports: prep.ports.count,
      probes: prep.plan.positions,
      records: recordsFileName(config.shard),
      startedAt: startedAt.toISOString(),
      endedAt: null,
      // "interrupted" until the scan says otherwise: a killed run is then described truthfully.
      status: 'interrupted',
      stopReason: null,
      counts: emptyCounts(),
      events: {},
      recordCount: 0,
      elapsedMs: 0,
      resumed: 0,
      windowByDefault,
    };
    // Files of an earlier scan whose manifest is gone are refused before anything is written: the
    // refusal came after a new manifest, and `status` then described the old records as the new scan's.
    const leftovers = [manifest.records, CHECKPOINT].filter((name) => existsSync(join(dir, name)));
    if (leftovers.length > 0) {
      throw new ShardscanError('E_OPTION', `${what} ${dir} holds ${leftovers.join(' and ')} of an earlier scan but no ${MANIFEST}; pick another --out-dir, or remove them`);
    }
    const out = new OutDir(dir, manifest, -1, 0);
    try {
      out.fd = openSync(out.recordsPath, 'wx');
    } catch (err) {
      throw ioError(out.recordsPath, err, 'Pick another --out-dir.');
    }
    try {
      out.writeManifest();
    } catch (err) {
      closeSync(out.fd);
      rmSync(out.recordsPath, { force: true });
      if (made) rmSync(dir, { recursive: true, force: true }); // nothing scanned: a resume would refuse it (no manifest)
      if (err instanceof ShardscanError && err.code === 'E_OPTION') throw err; // too large to read back: nothing to free
      throw ioError(join(dir, MANIFEST), err instanceof ShardscanError ? (err.cause ?? err) : err, 'Free some space and run the scan again (nothing was scanned yet).');
    }
    OutDir.lock(dir);
    out.reserve();
    return out;
  }

  /**
   * Reopen a directory to continue it: `rewritten` (the records a resume
   * keeps, written beside the records file) takes the records file's place.
   */
  static reopen(dir: string, manifest: Manifest, rewritten: string, kept: number): OutDir {
    const path = join(dir, manifest.records);
    try {
      renameSync(rewritten, path);
    } catch (err) {
      rmSync(rewritten, { force: true });
      throw ioError(path, err, 'Run resume again.');
    }
    OutDir.lock(dir);
    const fd = openSync(path, 'a');
    const out = new OutDir(dir, { ...manifest, resumed: manifest.resumed + 1, status: 'interrupted', endedAt: null, stopReason: null }, fd, kept);
    out.before = { ...manifest };
    out.writeManifest();
    out.reserve();
    return out;
  }

  /**
   * Append records; throws E_IO (with what to do next) when the disk is full. Then the reserve is given back for
   * the last checkpoint and the manifest (checkpointable: every batch before this one was written whole, and no
   * later one is, so none lands after the cut line), and every later batch is refused with the same error.
   */
  appendRecords(batch: RecordBatch): void {
    if (this.refused !== null) throw this.refused;
    const text = batch.ndjson();
    try {
      // A string: node writes it through a temporary buffer freed at once (see LineBytes.take).
      const n = writeSync(this.fd, text);
      if (n < text.length || n < Buffer.byteLength(text)) {
        // A short write (the disk filling up): the rest byte by byte, until it fails with the reason.
        const rest = Buffer.from(text).subarray(n);
        for (let off = 0; off < rest.length; ) off += writeSync(this.fd, rest, off, rest.length - off);
      }
    } catch (err) {
      this.refused = ioError(this.recordsPath, err, `Free some space and run: shardscan resume ${shellWord(this.dir)} (it keeps the records its last checkpoint covers, and probes the rest again)`, true);
      this.unreserve();
      throw this.refused;
    }
    this.recordCount += batch.length;
  }

  /**
   * Atomically replace checkpoint.json. Out of descriptors (the probes hold them all under a tight ulimit -n), this
   * one is skipped and the next, a second later, tries again: the last one written stays true, it only covers less.
   */
  writeCheckpoint(state: CheckpointState): void {
    const doc: StoredCheckpoint = { version: 1, scanKey: this.manifest.scanKey, writtenAt: new Date().toISOString(), ...state };
    try {
      this.atomicWrite(CHECKPOINT, `${JSON.stringify(doc)}\n`);
      this.kept = totalOf(state.counts);
    } catch (err) {
      const code = errnoCode((err as Error).cause);
      if (code !== 'EMFILE' && code !== 'ENFILE') throw err;
    }
  }

  /** Record how the scan ended; a resume's --max-time slice that decided nothing is not counted (its time lowered status's rate: helper 25). */
  finish(summary: ScanSummary): void {
    const idle = this.before !== null && summary.stopReason === 'time-limit' && summary.done === (summary.resumedDone ?? 0) ? this.before : null;
    // Its end as the run before ended; a killed run has neither end time nor stop reason: then the slice's.
    const ended = idle !== null && idle.endedAt !== null ? idle : null;
    Object.assign(this.manifest, {
      status: summary.status,
      stopReason: ended ? ended.stopReason : summary.stopReason,
      endedAt: ended ? ended.endedAt : new Date().toISOString(),
      counts: summary.counts,
      events: summary.events,
      recordCount: this.recordCount,
      elapsedMs: this.manifest.elapsedMs + (idle ? 0 : summary.elapsedMs),
      ...(idle ? { resumed: idle.resumed } : {}),
    });
    try {
      fsyncSync(this.fd);
    } catch (err) {
      throw ioError(this.recordsPath, err, 'Records may be incomplete.');
    }
    this.writeManifest();
  }

  /** This directory as a scan sink: records appended, checkpoints written. */
  sink(): ScanSink {
    return { records: (batch) => this.appendRecords(batch), checkpoint: (state) => this.writeCheckpoint(state) };
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.unreserve();
    try {
      rmSync(join(this.dir, LOCK), { force: true });
    } catch {
      // The directory went away or became unreadable: there is no lock to leave behind there.
    }
  }

  private reserve(): void {
    reserveSpace(this.dir);
  }

  private unreserve(): void {
    unreserveSpace(this.dir);
  }

  /**
   * Say that this process writes the directory, until close(): resume refuses
   * a directory another live process still writes (two runs appending to one
   * directory lost records). A killed run leaves it behind; its dead pid (or,
   * from another machine, a checkpoint older than RUNNING_MS) shows it stale.
   */
  private static lock(dir: string): void {
    const info: LockInfo = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      placeLock(dir, `${JSON.stringify(info)}\n`, false);
    } catch {
      // A directory the records can be written to takes this too; if not, the next write says why.
    }
  }

  private writeManifest(): void {
    const text = `${JSON.stringify(this.manifest, null, 2)}\n`;
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_MANIFEST_BYTES) {
      const mib = (n: number): string => `${Math.ceil(n / (1 << 20))} MiB`;
      throw new ShardscanError('E_OPTION', `the shard directory's manifest would hold ${mib(bytes)}, more than the ${mib(MAX_MANIFEST_BYTES)} resume, validate and merge read: it keeps the targets and exclusions read from stdin (so a resume need not read them again); give a list this long as a file (-iL FILE, --exclude-file FILE), which it names instead, or scan with --no-out-dir`);
    }
    this.atomicWrite(MANIFEST, text);
  }

  /**
   * Write `name` through a temporary file renamed over it. Out of room (ENOSPC, EDQUOT), the reserve is given back
   * and the write made once more: it holds an inode as well as bytes, and out of inodes (a tmpfs's nr_inodes) every
   * checkpoint failed, so a finished scan's covered nothing and a resume probed all again (helper 29). Then it is
   * kept again, where the file replaced left room, for the records file's own ENOSPC (helper 31).
   */
  private atomicWrite(name: string, text: string, again = true): void {
    const path = join(this.dir, name);
    const temp = join(this.dir, atomicTemp(name));
    try {
      writeFileSync(temp, text);
      renameSync(temp, path);
    } catch (err) {
      rmSync(temp, { force: true });
      const code = errnoCode(err);
      if (!again || (code !== 'ENOSPC' && code !== 'EDQUOT')) throw ioError(path, err, `Free some space; then: shardscan resume ${shellWord(this.dir)}`);
      this.unreserve();
      this.atomicWrite(name, text, false);
      if (this.refused === null) this.reserve();
    }
  }
}
