/**
 * Reading shard directories back, for validate, merge and resume: manifests,
 * checkpoints, records and the check that shards make one scan.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardscanError, errnoCode, jsonProblem, messageOf, plural, quote } from '../errors.js';
import { describeErrors, validator } from '../schemas.js';
import { CHECKPOINT, MANIFEST, type Manifest, type StoredCheckpoint, readJson } from './outdir.js';
import { type ProbeRecord, type RecordBatch, bytesBatch } from '../model/record.js';

/** A shard directory without its records file: nothing can continue or merge it. */
export const missingRecords = (path: string): ShardscanError => new ShardscanError('E_MERGE', `records file ${path} is missing: restore it, or scan again into a new directory`);

/** True when the file ends in the middle of a line (a run killed mid-write). */
export function endsMidLine(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return false;
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** A record's fields a banner read fills in (src/model/record.ts). */
const BANNER_FIELDS = ['serviceSource', 'product', 'version', 'extraInfo', 'banner', 'tls'] as const;

/**
 * Stream the records of a shard file, checked against schemas/record.schema.json.
 * A half-written last line (SIGKILL mid-write) is skipped; any other bad line throws,
 * naming file and line. `banners`: the scan's --banners. An open record of a scan
 * with it says what named it (serviceSource), and no other record has a field a
 * banner read fills in: the records of a scan without it, copied into a directory
 * of one with it, passed validate and merge (helper 20), and a banner added to a
 * closed record was reported (helper 23).
 */
export async function* readRecords(path: string, banners?: boolean): AsyncGenerator<ProbeRecord> {
  if (!existsSync(path)) throw missingRecords(path);
  let skipLast: boolean;
  try {
    if (statSync(path).isDirectory()) throw new ShardscanError('E_MERGE', `records file ${path} is a directory`);
    skipLast = endsMidLine(path);
  } catch (err) {
    if (err instanceof ShardscanError) throw err;
    throw new ShardscanError('E_IO', `cannot read ${path}: ${errnoCode(err) ?? messageOf(err)}`);
  }
  const validate = validator('record');
  let n = 0;
  let pending: string | null = null;
  const check = (line: string, at: number): ProbeRecord => {
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      throw new ShardscanError('E_SCHEMA', `${path}:${at}: not JSON (${jsonProblem(err)})`);
    }
    if (!validate(rec)) throw new ShardscanError('E_SCHEMA', `${path}:${at}: ${describeErrors(validate.errors)}`);
    const r = rec as ProbeRecord;
    if (banners !== undefined) {
      // What a banner read gives, only on an open port of a scan with --banners (helper 23: a banner added to a closed record passed, and was reported).
      const read = BANNER_FIELDS.find((k) => r[k] !== undefined);
      const reads = banners && r.state === 'open';
      const what = reads && r.serviceSource === undefined ? `an open port without "serviceSource", in a scan with --banners` : !reads && read !== undefined ? `"${read}" on ${r.state === 'open' ? 'an open port, in a scan without --banners' : `a ${r.state} port`}` : null;
      if (what !== null) throw new ShardscanError('E_SCHEMA', `${path}:${at}: ${what}: the records of another scan were copied in, or the record was edited`);
    }
    return r;
  };
  try {
    for await (const block of blocks(path)) {
      for (let i = 0; i < block.lines; i++) {
        n++;
        if (pending !== null) yield check(pending, n - 1);
        // Made as it is checked: a string per line held in a queue (readline) outlived the young generation.
        const line = block.line(i);
        pending = line.length > 0 ? line : null;
      }
    }
  } catch (err) {
    // A read error (EISDIR, EIO) surfaces from the stream: name the file, as an I/O failure.
    if (err instanceof ShardscanError) throw err;
    const code = errnoCode(err);
    if (code === 'EISDIR') throw new ShardscanError('E_MERGE', `records file ${path} is a directory`);
    throw new ShardscanError('E_IO', `cannot read ${path}: ${code ?? messageOf(err)}`);
  }
  if (pending !== null && !skipLast) yield check(pending, n);
}

/**
 * The longest line a records file may hold, bytes. A record is a few hundred bytes, a few KB with a banner and a
 * certificate's names; a longer line is damage (a crash's sparse tail of zero bytes, a file replaced by /dev/zero).
 * Unbounded, the line buffer doubled to 2 GiB (4.2 GB of RSS) and Node aborted on its own assertion, stack and all.
 */
export const MAX_LINE_BYTES = 16 << 20;

/** Whole lines of a file, in a block of bytes (valid until the next block is asked for). */
interface LineBlock {
  readonly bytes: Buffer;
  /** Lines in the block. */
  readonly lines: number;
  /** Line i as text, without its \n (or \r\n). */
  line(i: number): string;
  /** Where line n starts: the bytes of lines 0 to n - 1 end there, newlines and all. */
  end(n: number): number;
}

/**
 * A file's lines, a block of whole lines at a time, read into one buffer
 * outside the JS heap (the last line may lack its newline). Strings are made
 * only as lines are asked for: read as text, every 64 KB block and the lines
 * cut from it lived through the CLI's 1 MB young generation while they were
 * worked through and filled the old one, which a large resume then carried
 * into its scan (~15 MB of garbage the heap never gave back).
 */
async function* blocks(path: string): AsyncGenerator<LineBlock> {
  const file = await open(path, 'r');
  let buf: Buffer = Buffer.allocUnsafe(1 << 16);
  let hi = 0;
  // Lines handed out so far, to name the one that is too long.
  let seen = 0;
  const longer = (): Buffer => {
    if (buf.length >= MAX_LINE_BYTES) throw new ShardscanError('E_SCHEMA', `${path}:${seen + 1}: a line of more than ${MAX_LINE_BYTES >> 20} MiB with no end, which no record is: the file is damaged (restore it, or scan again into a new directory)`);
    return grown(buf, hi);
  };
  const starts: number[] = [];
  const block: { -readonly [K in keyof LineBlock]: LineBlock[K] } = {
    bytes: buf,
    lines: 0,
    line(i: number): string {
      const start = starts[i]!;
      let end = starts[i + 1]! - 1;
      if (end > start && buf[end - 1] === 0x0d) end--;
      return buf.toString('utf8', start, end);
    },
    end: (n: number): number => starts[n]!,
  };
  try {
    for (let eof = false; !eof; ) {
      const got = (await file.read(buf, hi, buf.length - hi, null)).bytesRead;
      eof = got === 0;
      hi += got;
      // The last line of the file, without its newline: as if it had one.
      if (eof && hi > 0 && buf[hi - 1] !== 0x0a) {
        if (hi === buf.length) buf = longer();
        buf[hi++] = 0x0a;
      }
      starts.length = 0;
      starts.push(0);
      for (let nl = buf.indexOf(0x0a); nl >= 0 && nl < hi; nl = buf.indexOf(0x0a, nl + 1)) starts.push(nl + 1);
      const whole = starts[starts.length - 1]!;
      if (starts.length > 1) {
        block.bytes = buf;
        block.lines = starts.length - 1;
        seen += block.lines;
        yield block;
      }
      // The rest of a line to the front; a line longer than the buffer, a bigger buffer.
      if (whole === 0 && hi === buf.length) buf = longer();
      else {
        buf.copy(buf, 0, whole, hi);
        hi -= whole;
      }
    }
  } finally {
    await file.close();
  }
}

/** A buffer twice as long, with the first `used` bytes of `buf`. */
function grown(buf: Buffer, used: number): Buffer {
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, used);
  return bigger;
}

/**
 * The first `count` lines of a records file this run has just written and
 * checked (a resume's, see OutDir.reopen), as batches of whole lines read a
 * block at a time, as bytes: a string per line (readline), then one per block,
 * was garbage that outlived the young generation (see blocks()).
 */
export async function* lineBatches(path: string, count: number): AsyncGenerator<RecordBatch> {
  let left = count;
  try {
    for await (const block of blocks(path)) {
      const n = Math.min(block.lines, left);
      // Copied: the block's buffer is read into again, and a batch may wait in the report's queue.
      if (n > 0) yield bytesBatch(Buffer.from(block.bytes.subarray(0, block.end(n))), n);
      left -= n;
      if (left === 0) break;
    }
  } catch (err) {
    if (err instanceof ShardscanError) throw err;
    throw new ShardscanError('E_IO', `cannot read ${path}: ${errnoCode(err) ?? messageOf(err)}`);
  }
}

export interface ShardDir {
  dir: string;
  manifest: Manifest;
  recordsPath: string;
}

/** Open a shard directory: its manifest, checked. */
export function openShardDir(dir: string): ShardDir {
  const manifest = readJson<Manifest>(join(dir, MANIFEST), 'manifest');
  return { dir, manifest, recordsPath: join(dir, manifest.records) };
}

export function readCheckpoint(dir: string): StoredCheckpoint | null {
  const path = join(dir, CHECKPOINT);
  if (!existsSync(path)) return null;
  return readJson<StoredCheckpoint>(path, 'checkpoint');
}

/** A shard's ports as its scan was given them ("-p 22,80", "--top-ports 100"), and how many; "different ports" alone did not say how. */
function portsAsGiven(m: Manifest): string {
  const given = m.config.ports !== null && m.config.ports !== undefined ? `-p ${m.config.ports}` : `--top-ports ${m.config.topPorts ?? 1000}`;
  const excluded = m.config.excludePorts ? ` --exclude-ports ${m.config.excludePorts}` : '';
  return `${quote(given + excluded)} (${plural(m.ports, 'port')})`;
}

/** The fields that must agree between shards of one scan, for a precise refusal. */
function describeMismatch(a: Manifest, b: Manifest): string {
  if (a.seed !== b.seed) return `seed ${a.seed} vs ${b.seed}`;
  if (a.targetsDigest !== b.targetsDigest) return 'different targets';
  if (a.shard.total !== b.shard.total) return `${a.shard.total} shards vs ${b.shard.total}`;
  if (a.ports !== b.ports || a.config.ports !== b.config.ports || a.config.topPorts !== b.config.topPorts) return `different ports: ${portsAsGiven(a)} vs ${portsAsGiven(b)}`;
  if (a.config.order !== b.config.order) return `order ${a.config.order} vs ${b.config.order}`;
  if (a.config.timeoutMs !== b.config.timeoutMs || a.config.retries !== b.config.retries) return 'different --timeout or --retries';
  // Named, as the others are: "different --states or options" left the user to find which (helper 20); both when both differ.
  const banners = (m: Manifest): string => (m.config.banners ? '--banners' : 'no --banners');
  const states = (m: Manifest): string => (m.config.states.length === 4 ? 'all' : m.config.states.join(','));
  const sameStates = [...a.config.states].sort().join() === [...b.config.states].sort().join();
  const differ = [...(banners(a) !== banners(b) ? [`${banners(a)} vs ${banners(b)}`] : []), ...(sameStates ? [] : [`--states ${states(a)} vs ${states(b)}`])];
  return differ.length > 0 ? differ.join('; ') : 'different --states or options';
}

/**
 * Check that directories are the shards of one scan, all present (unless
 * `allowPartial`). Throws E_MERGE naming the first problem. Whether each is
 * complete: merge's own check (store/merge.ts), which can tell a running one.
 */
export function checkShardSet(dirs: readonly string[], allowPartial: boolean): ShardDir[] {
  if (dirs.length === 0) throw new ShardscanError('E_MERGE', 'name at least one shard directory, e.g. shardscan merge results/scan-1 results/scan-2');
  const shards = dirs.map(openShardDir);
  const first = shards[0]!;
  for (const s of shards.slice(1)) {
    if (s.manifest.scanKey !== first.manifest.scanKey) {
      throw new ShardscanError('E_MERGE', `${s.dir} is from a different scan than ${first.dir} (${describeMismatch(first.manifest, s.manifest)}); merge only shards of one scan`);
    }
  }
  const total = first.manifest.shard.total;
  const seen = new Map<number, string>();
  for (const s of shards) {
    const prev = seen.get(s.manifest.shard.index);
    if (prev) throw new ShardscanError('E_MERGE', `shard ${s.manifest.shard.index}/${total} is given twice: ${prev} and ${s.dir}`);
    seen.set(s.manifest.shard.index, s.dir);
  }
  // Name the first 20 missing shards; never walk all of a (damaged) total of billions.
  const missing: string[] = [];
  for (let i = 1; i <= total && missing.length <= 20; i++) if (!seen.has(i)) missing.push(`${i}/${total}`);
  if (missing.length > 0 && !allowPartial) {
    throw new ShardscanError('E_MERGE', `missing shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''} of this scan; pass every shard directory (or --allow-partial)`);
  }
  return shards.sort((a, b) => a.manifest.shard.index - b.manifest.shard.index);
}
