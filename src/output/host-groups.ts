/**
 * Records grouped per host, hosts in address order and ports ascending, in
 * bounded memory. The text, grep and XML reports list hosts in order, as nmap
 * does, but records arrive in the walk's random order, and these reports held
 * every one as an object until the end: 212 MB RSS for a 262,144-record text
 * report, so a /12 with --states all could not be written at all.
 *
 * Now the records are held as their NDJSON lines in one buffer, outside the
 * JavaScript heap (held objects survive the small young generation the CLI
 * runs with, and collecting them took a third of the main thread), with their
 * sort keys in typed arrays. Past SPILL_RECORDS records or SPILL_BYTES bytes
 * the lines are sorted and written to a temporary file (a run), and the runs
 * are merged when the report ends: an external merge sort. Once FAN runs of
 * one level exist they are merged into one of the next, so few files are open
 * and a record is rewritten log_FAN(n / SPILL_RECORDS) times. A run's file is
 * unlinked as soon as it is open: a killed process leaves nothing behind.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShardscanError, errnoCode, messageOf } from '../errors.js';
import type { ProbeRecord, RecordBatch } from '../model/record.js';
import { parseIPv4, parseIPv6 } from '../targets/ip.js';

/** Sort key for addresses, as a string that compares like the address: IPv4 before IPv6, numerically. */
export function addressKey(host: string): string {
  const v4 = parseIPv4(host);
  if (v4 !== null) return `4${v4.toString(16).padStart(8, '0')}`;
  const v6 = parseIPv6(host);
  return v6 === null ? `7${host}` : `6${v6.toString(16).padStart(32, '0')}`;
}

/** Records held before a run is written. */
export const SPILL_RECORDS = 16_384;
/** Bytes of lines held before a run is written (records with banners are long). */
const SPILL_BYTES = 4 << 20;
/**
 * Runs of one level merged into one run of the next. Every run is an open
 * descriptor: FAN - 1 a level at most, which the scan's window leaves room
 * for (SORTED_REPORT_FDS in config/limits.ts: three levels, 8.4M records).
 */
const FAN = 8;
/** Bytes read from, or gathered for, a run at a time. */
const BLOCK = 1 << 16;

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const DOT = 0x2e;
/** Every record line starts `{"host":"` (formatLine). */
const HOST_AT = 9;

/**
 * Where a line sorts, read from its bytes without making an object: an IPv4
 * host gives `num` = address × 65,536 + port and `str` undefined; any other
 * host gives its addressKey in `str` and the port in `num`. Module state, set
 * by readKey, so the hot path allocates nothing.
 */
let keyNum = 0;
let keyStr: string | undefined;

function readKey(buf: Buffer, start: number): void {
  let value = 0;
  let octet = 0;
  let i = start + HOST_AT;
  let v4 = true;
  for (; i < buf.length && buf[i] !== QUOTE; i++) {
    const c = buf[i]!;
    if (c === DOT) {
      value = value * 256 + octet;
      octet = 0;
    } else if (c >= 0x30 && c <= 0x39) octet = octet * 10 + c - 0x30;
    else v4 = false;
  }
  const hostEnd = i;
  // `","port":` then the digits.
  let port = 0;
  for (i += 9; buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) port = port * 10 + buf[i]! - 0x30;
  if (v4) {
    keyNum = (value * 256 + octet) * 65536 + port;
    keyStr = undefined;
  } else {
    keyNum = port;
    keyStr = addressKey(buf.toString('latin1', start + HOST_AT, hostEnd));
  }
}

function compareKeys(aNum: number, aStr: string | undefined, bNum: number, bStr: string | undefined): number {
  if (aStr === bStr) return aNum - bNum;
  if (aStr === undefined) return -1;
  if (bStr === undefined) return 1;
  return aStr < bStr ? -1 : aStr > bStr ? 1 : aNum - bNum;
}

/** Whether two keys name one host (an IPv4 key holds the port in its low 16 bits). */
const sameHost = (aNum: number, aStr: string | undefined, bNum: number, bStr: string | undefined): boolean =>
  aStr === bStr && (aStr !== undefined || Math.floor(aNum / 65536) === Math.floor(bNum / 65536));

/** A sorted sequence of lines; `head` is false once it has ended. The line's bytes stay valid until next(). */
interface Source {
  head: boolean;
  num: number;
  str: string | undefined;
  buf: Buffer;
  start: number;
  end: number;
  next(): void;
}

export class HostGroups {
  /** The held lines, back to back, and where each starts (starts[n] is where the next would). */
  private buf = Buffer.allocUnsafe(SPILL_BYTES);
  private starts = new Uint32Array(SPILL_RECORDS + 1);
  private nums = new Float64Array(SPILL_RECORDS);
  private strs: (string | undefined)[] = [];
  private n = 0;
  /** Runs written so far, oldest first; their levels never increase along the list. */
  private runs: Run[] = [];

  constructor(
    private readonly limit = SPILL_RECORDS,
    private readonly dir = tmpdir(),
  ) {}

  add(batch: RecordBatch): void {
    if (batch.length === 0) return;
    const text = batch.ndjson();
    const bytes = Buffer.byteLength(text);
    const used = this.starts[this.n]!;
    if (used + bytes > this.buf.length) this.grow(used + bytes);
    this.buf.write(text, used, 'utf8');
    for (let at = used; at < used + bytes; ) {
      if (this.n >= this.nums.length) this.growKeys();
      readKey(this.buf, at);
      this.nums[this.n] = keyNum;
      if (keyStr !== undefined) this.strs[this.n] = keyStr;
      const nl = this.buf.indexOf(NEWLINE, at);
      at = nl < 0 || nl >= used + bytes ? used + bytes : nl + 1;
      this.starts[++this.n] = at;
    }
    if (this.n >= this.limit || this.starts[this.n]! >= SPILL_BYTES) this.spill();
  }

  /**
   * The records, a host at a time: hosts by address, each host's records by
   * port (records of one port in the order they came). Call it once, at the
   * end. A host's records are valid until the next host is asked for.
   */
  *groups(): Generator<[string, HostRecords]> {
    const sources = [...this.runs.map((run) => run.reader()), this.heldSource()];
    const group = new LineGroup();
    let num = 0;
    let str: string | undefined;
    try {
      for (const s of merged(sources)) {
        if (group.length > 0 && !sameHost(num, str, s.num, s.str)) {
          yield [group.host(), group];
          group.clear();
        }
        num = s.num;
        str = s.str;
        group.push(s.buf, s.start, s.end);
      }
      if (group.length > 0) yield [group.host(), group];
    } finally {
      for (const run of this.runs) run.close();
      this.runs = [];
    }
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.starts[this.n]);
    this.buf = bigger;
  }

  /** A batch went past the limit: room for its keys (the limit is checked between batches). */
  private growKeys(): void {
    const starts = new Uint32Array(this.starts.length * 2);
    starts.set(this.starts);
    this.starts = starts;
    const nums = new Float64Array(this.nums.length * 2);
    nums.set(this.nums);
    this.nums = nums;
  }

  /** The held lines in order, as a source over the holder's own buffers (valid until the holder is emptied). */
  private heldSource(): Source {
    const { buf, starts, nums, strs, n } = this;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    // Ties keep the order the records came in.
    order.sort((a, b) => compareKeys(nums[a]!, strs[a], nums[b]!, strs[b]) || a - b);
    let i = -1;
    const source: Source = {
      head: true,
      num: 0,
      str: undefined,
      buf,
      start: 0,
      end: 0,
      next: () => {
        if (++i >= n) {
          source.head = false;
          return;
        }
        const k = order[i]!;
        source.num = nums[k]!;
        source.str = strs[k];
        source.start = starts[k]!;
        source.end = starts[k + 1]!;
      },
    };
    source.next();
    return source;
  }

  /** Close every run and forget the records: the report was dropped (its disk space and descriptors come back). */
  discard(): void {
    for (const run of this.runs) run.close();
    this.runs = [];
    this.n = 0;
    this.strs = [];
  }

  /** Write the held records as a run, then merge the newest runs while FAN of one level exist. */
  private spill(): void {
    try {
      this.spillHeld();
    } catch (err) {
      // A full TMPDIR: the runs written so far would hold their space until the process ends, and fail the other reports too.
      this.discard();
      throw err;
    }
  }

  private spillHeld(): void {
    this.runs.push(Run.write(this.dir, this.heldSource(), 0));
    // The buffers are kept for the next records: allocated anew each time, they waited for a full GC.
    this.n = 0;
    this.strs = [];
    for (;;) {
      const level = this.runs[this.runs.length - 1]!.level;
      const same = this.runs.filter((run) => run.level === level);
      if (same.length < FAN) return;
      const merged = Run.write(this.dir, mergedSource(same.map((run) => run.reader())), level + 1);
      for (const run of same) run.close();
      this.runs = [...this.runs.filter((run) => run.level !== level), merged];
    }
  }
}

/** One host's records: arrays are, and so is a LineGroup. */
export interface HostRecords extends Iterable<ProbeRecord> {
  readonly length: number;
}

/**
 * One host's record lines, copied into a buffer reused from host to host,
 * parsed each time they are iterated. As objects, the 65,535 records of a
 * host scanned on every port outlived the small young generation, and a
 * /28 × -p- text report peaked at 260 MB; parsed one at a time, each dies young.
 */
class LineGroup implements HostRecords {
  length = 0;
  private buf = Buffer.allocUnsafe(BLOCK);
  private starts = new Uint32Array(1025);

  clear(): void {
    this.length = 0;
  }

  push(src: Buffer, start: number, end: number): void {
    const at = this.starts[this.length]!;
    const need = at + end - start;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, at);
      this.buf = bigger;
    }
    if (this.length + 1 >= this.starts.length) {
      const more = new Uint32Array(this.starts.length * 2);
      more.set(this.starts);
      this.starts = more;
    }
    src.copy(this.buf, at, start, end);
    this.starts[++this.length] = need;
  }

  host(): string {
    return this.record(0).host;
  }

  *[Symbol.iterator](): Generator<ProbeRecord> {
    for (let i = 0; i < this.length; i++) yield this.record(i);
  }

  private record(i: number): ProbeRecord {
    return JSON.parse(this.buf.toString('utf8', this.starts[i], this.starts[i + 1])) as ProbeRecord;
  }
}

/**
 * The sources' lines in order: the smallest key first; on a tie the older
 * source (lower index), so equal records keep their order. Each line is
 * yielded before its source moves on, so its bytes are valid while used.
 */
function* merged(sources: readonly Source[]): Generator<Source> {
  for (;;) {
    let best: Source | null = null;
    for (const s of sources) if (s.head && (best === null || compareKeys(s.num, s.str, best.num, best.str) < 0)) best = s;
    if (best === null) return;
    yield best;
    best.next();
  }
}

function mergedSource(sources: readonly Source[]): Source {
  const it = merged(sources);
  const source: Source = {
    head: true,
    num: 0,
    str: undefined,
    buf: Buffer.alloc(0),
    start: 0,
    end: 0,
    next: () => {
      const r = it.next();
      if (r.done) {
        source.head = false;
        return;
      }
      const s = r.value;
      source.num = s.num;
      source.str = s.str;
      source.buf = s.buf;
      source.start = s.start;
      source.end = s.end;
    },
  };
  source.next();
  return source;
}

/** A sorted run of record lines in an unlinked temporary file. */
class Run {
  private constructor(
    private fd: number,
    private readonly dir: string,
    readonly level: number,
  ) {}

  static write(dir: string, source: Source, level: number): Run {
    const run = new Run(openUnlinked(dir), dir, level);
    const out = Buffer.allocUnsafe(BLOCK * 4);
    let filled = 0;
    let at = 0;
    const write = (buf: Buffer, start: number, end: number): void => {
      try {
        for (let off = start; off < end; ) off += writeSync(run.fd, buf, off, end - off, at + off - start);
      } catch (err) {
        run.close();
        throw spillError(dir, err);
      }
      at += end - start;
    };
    for (; source.head; source.next()) {
      const size = source.end - source.start;
      if (filled + size > out.length) {
        write(out, 0, filled);
        filled = 0;
      }
      if (size > out.length) write(source.buf, source.start, source.end);
      else filled += source.buf.copy(out, filled, source.start, source.end);
    }
    write(out, 0, filled);
    return run;
  }

  /** The run's lines from its start, read a block at a time. */
  reader(): Source {
    const { fd, dir } = this;
    let pos = 0;
    let lo = 0;
    let hi = 0;
    const source: Source = {
      head: true,
      num: 0,
      str: undefined,
      buf: Buffer.allocUnsafe(BLOCK),
      start: 0,
      end: 0,
      next: () => {
        let nl = source.buf.indexOf(NEWLINE, lo);
        while (nl < 0 || nl >= hi) {
          // The rest of a line to the front; a line longer than the block, a bigger block.
          if (lo === 0 && hi === source.buf.length) {
            const bigger = Buffer.allocUnsafe(source.buf.length * 2);
            source.buf.copy(bigger, 0, 0, hi);
            source.buf = bigger;
          } else {
            source.buf.copy(source.buf, 0, lo, hi);
            hi -= lo;
            lo = 0;
          }
          let got: number;
          try {
            got = readSync(fd, source.buf, hi, source.buf.length - hi, pos);
          } catch (err) {
            throw spillError(dir, err);
          }
          if (got === 0) {
            source.head = false;
            return;
          }
          pos += got;
          hi += got;
          nl = source.buf.indexOf(NEWLINE, lo);
        }
        source.start = lo;
        source.end = nl + 1;
        lo = nl + 1;
        readKey(source.buf, source.start);
        source.num = keyNum;
        source.str = keyStr;
      },
    };
    source.next();
    return source;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * Refuse, before a scan, a `dir` (TMPDIR) where no run can be written: a
 * missing or read-only one was found only at the first spill, after the scan.
 */
export function checkSpillDir(dir = tmpdir()): void {
  closeSync(openUnlinked(dir));
}

/** A new file in `dir`, open for reading and writing, already unlinked. */
function openUnlinked(dir: string): number {
  let sub: string | null = null;
  try {
    sub = mkdtempSync(join(dir, 'shardscan-report-'));
    const path = join(sub, 'records');
    const fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    return fd;
  } catch (err) {
    throw spillError(dir, err);
  } finally {
    if (sub !== null) rmSync(sub, { recursive: true, force: true });
  }
}

function spillError(dir: string, err: unknown): ShardscanError {
  const code = errnoCode(err) ?? messageOf(err);
  const fix = code === 'EMFILE' || code === 'ENFILE' ? 'raise ulimit -n' : 'set TMPDIR to a directory with room';
  return new ShardscanError('E_IO', `cannot keep the records of a report sorted by host (text, grep, xml) in ${dir}: ${code} (${fix}, or use -f ndjson, csv or json, which need none)`);
}
