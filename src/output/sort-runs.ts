/**
 * The external merge sort under the reports sorted by host (host-groups.ts):
 * record lines keyed by address and port straight from their bytes, sorted
 * runs of them in unlinked temporary files, and the merge of sorted sources.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShardscanError, errnoCode, messageOf } from '../errors.js';
import { parseIPv4, parseIPv6 } from '../targets/ip.js';

/** Sort key for addresses, as a string that compares like the address: IPv4 before IPv6, numerically. */
export function addressKey(host: string): string {
  const v4 = parseIPv4(host);
  if (v4 !== null) return `4${v4.toString(16).padStart(8, '0')}`;
  const v6 = parseIPv6(host);
  return v6 === null ? `7${host}` : `6${v6.toString(16).padStart(32, '0')}`;
}

/** Bytes read from a run at a time. */
export const BLOCK = 1 << 16;
/** Bytes gathered for a run between writes. */
export const WRITE_BLOCK = BLOCK * 4;

export const NEWLINE = 0x0a;
const QUOTE = 0x22;
const DOT = 0x2e;
/** Every record line starts `{"host":"` (formatLine). */
const HOST_AT = 9;

/** Where a line sorts (see readKey). */
export interface LineKey {
  num: number;
  str: string | undefined;
}

/**
 * Where a line sorts, read from its bytes without making an object, into
 * `key`: an IPv4 host gives `num` = address × 65,536 + port and `str`
 * undefined; any other host gives its addressKey in `str` and the port in `num`.
 */
export function readKey(buf: Buffer, start: number, key: LineKey): void {
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
    key.num = (value * 256 + octet) * 65536 + port;
    key.str = undefined;
  } else {
    key.num = port;
    key.str = addressKey(buf.toString('latin1', start + HOST_AT, hostEnd));
  }
}

export function compareKeys(aNum: number, aStr: string | undefined, bNum: number, bStr: string | undefined): number {
  if (aStr === bStr) return aNum - bNum;
  if (aStr === undefined) return -1;
  if (bStr === undefined) return 1;
  return aStr < bStr ? -1 : aStr > bStr ? 1 : aNum - bNum;
}

/** A sorted sequence of lines; `head` is false once it has ended. The line's bytes stay valid until next(). */
export interface Source {
  head: boolean;
  num: number;
  str: string | undefined;
  buf: Buffer;
  start: number;
  end: number;
  next(): void;
}

/**
 * The sources' lines in order: the smallest key first; on a tie the older
 * source (lower index), so equal records keep their order. Each line is
 * yielded before its source moves on, so its bytes are valid while used.
 */
export function* merged(sources: readonly Source[]): Generator<Source> {
  for (;;) {
    let best: Source | null = null;
    for (const s of sources) if (s.head && (best === null || compareKeys(s.num, s.str, best.num, best.str) < 0)) best = s;
    if (best === null) return;
    yield best;
    best.next();
  }
}

export function mergedSource(sources: readonly Source[]): Source {
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
export class Run {
  private constructor(
    private fd: number,
    private readonly dir: string,
    readonly level: number,
  ) {}

  /** `out` gathers the lines between writes (any size; its holder reuses it from run to run). */
  static write(dir: string, source: Source, level: number, out: Buffer): Run {
    const run = new Run(openUnlinked(dir), dir, level);
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
        readKey(source.buf, source.start, source);
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
