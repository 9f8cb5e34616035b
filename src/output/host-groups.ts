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
 * unlinked as soon as it is open: a killed process leaves nothing behind. A
 * TMPDIR that fills up is not the end of the report: see HOLD_BYTES.
 */
import { tmpdir } from 'node:os';
import { messageOf } from '../errors.js';
import type { ProbeRecord, RecordBatch } from '../model/record.js';
import type { ReportContext } from './report.js';
import { BLOCK, type LineKey, NEWLINE, Run, type Source, WRITE_BLOCK, compareKeys, merged, mergedSource, readKey } from './sort-runs.js';

export { addressKey, checkSpillDir } from './sort-runs.js';

/**
 * Records held before a run is written. At 16,384 (and SPILL_BYTES 4 MiB) a
 * /14's text report with every record (`--states all -oN`) peaked 2.4 MB
 * higher (95.3 against 92.9 MB, medians of 7); 4,096 saved no more.
 */
export const SPILL_RECORDS = 8192;
/** Bytes of lines held before a run is written (records with banners are long). */
const SPILL_BYTES = 2 << 20;
/**
 * Bytes of lines held in memory, once TMPDIR has refused a run (full, or out
 * of descriptors), before the report gives up: ~1.1 million records. A report
 * dropped there lost every record it held, and with --no-out-dir and no other
 * report, those records were nowhere else.
 */
export const HOLD_BYTES = 128 << 20;

/**
 * Runs of one level merged into one run of the next. Every run is an open
 * descriptor: FAN - 1 a level at most, which the scan's window leaves room
 * for (SORTED_REPORT_FDS in config/limits.ts: four levels, 33.5M records).
 */
const FAN = 8;

/** A sorted report's records, told through `ctx.note` when TMPDIR refuses a run and they are held in memory from then on. */
export function reportGroups(ctx: ReportContext): HostGroups {
  return new HostGroups(SPILL_RECORDS, tmpdir(), (why) => ctx.note?.(`${messageOf(why)}: holding this report's records in memory from here on instead, up to ${HOLD_BYTES >> 20} MiB`));
}

/** Whether two keys name one host (an IPv4 key holds the port in its low 16 bits). */
const sameHost = (aNum: number, aStr: string | undefined, bNum: number, bStr: string | undefined): boolean =>
  aStr === bStr && (aStr !== undefined || Math.floor(aNum / 65536) === Math.floor(bNum / 65536));

/**
 * Record lines back to back in one buffer outside the JS heap, reused as it
 * empties, with where each starts: the records a HostGroups holds, and one
 * host's records at the end.
 */
class Lines {
  length = 0;
  buf: Buffer;
  /** starts[i] is where line i starts; starts[length] where the next would. */
  private starts: Uint32Array;

  constructor(bytes: number, lines: number) {
    this.buf = Buffer.allocUnsafe(bytes);
    this.starts = new Uint32Array(lines + 1);
  }

  get bytes(): number {
    return this.starts[this.length]!;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.starts[i + 1]!;
  }

  clear(): void {
    this.length = 0;
  }

  /** Append whole lines, each ending in a newline. */
  append(text: string): void {
    const from = this.bytes;
    const to = from + Buffer.byteLength(text);
    this.room(to);
    this.buf.write(text, from, 'utf8');
    for (let at = from; at < to; ) {
      const nl = this.buf.indexOf(NEWLINE, at);
      at = nl < 0 || nl >= to ? to : nl + 1;
      this.push(at);
    }
  }

  /** Append one line, copied from `src`. */
  copy(src: Buffer, start: number, end: number): void {
    const from = this.bytes;
    this.room(from + end - start);
    src.copy(this.buf, from, start, end);
    this.push(from + end - start);
  }

  record(i: number): ProbeRecord {
    return JSON.parse(this.buf.toString('utf8', this.start(i), this.end(i))) as ProbeRecord;
  }

  private push(end: number): void {
    if (this.length + 1 >= this.starts.length) this.starts = grown(this.starts, this.starts.length * 2);
    this.starts[++this.length] = end;
  }

  private room(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(bytes, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.bytes);
    this.buf = bigger;
  }
}

/** A typed array twice as long (or `length`), with the same values first. */
function grown<T extends Uint32Array | Float64Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

export class HostGroups {
  /** The held records' lines; their sort keys by index. */
  private readonly held = new Lines(SPILL_BYTES, SPILL_RECORDS);
  private nums = new Float64Array(SPILL_RECORDS);
  private strs: (string | undefined)[] = [];
  /** Where the line being added sorts (readKey writes it). */
  private readonly key: LineKey = { num: 0, str: undefined };
  /** Runs written so far, oldest first; their levels never increase along the list. */
  private runs: Run[] = [];
  /**
   * What each spill needs, made once and reused: the held lines' order, room
   * to sort it, and the block a run is gathered in. Made anew at each spill,
   * they were buffers that only a full GC gave back, and a /14's text report
   * (`--states all -oN`) peaked ~4 MiB higher (101.6-103.7 MiB, now 96.9-101.3).
   */
  private order = new Uint32Array(SPILL_RECORDS);
  private room = new Uint32Array(SPILL_RECORDS);
  private readonly out = Buffer.allocUnsafe(WRITE_BLOCK);

  /** Why TMPDIR refused a run; from then on every record is held in memory (see HOLD_BYTES). */
  private refused: unknown = null;

  /** `onHold`: told once, when TMPDIR refuses a run and the records are held in memory from then on. */
  constructor(
    private readonly limit = SPILL_RECORDS,
    private readonly dir = tmpdir(),
    private readonly onHold?: (why: unknown) => void,
    private readonly holdBytes = HOLD_BYTES,
  ) {}

  add(batch: RecordBatch): void {
    if (batch.length === 0) return;
    const held = this.held;
    const first = held.length;
    held.append(batch.ndjson());
    // The limit is checked between batches: one may go past it.
    if (held.length > this.nums.length) this.nums = grown(this.nums, Math.max(held.length, this.nums.length * 2));
    for (let i = first; i < held.length; i++) {
      readKey(held.buf, held.start(i), this.key);
      this.nums[i] = this.key.num;
      if (this.key.str !== undefined) this.strs[i] = this.key.str;
    }
    if (held.length >= this.limit || held.bytes >= SPILL_BYTES) this.spill();
  }

  /**
   * The records, a host at a time: hosts by address, each host's records by
   * port (records of one port in the order they came). Call it once, at the
   * end. A host's records are valid until the next host is asked for.
   */
  *groups(): Generator<[string, HostRecords]> {
    const sources = [...this.runs.map((run) => run.reader()), this.heldSource()];
    const group = new LineGroup(BLOCK, 1024);
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
        group.copy(s.buf, s.start, s.end);
      }
      if (group.length > 0) yield [group.host(), group];
    } finally {
      for (const run of this.runs) run.close();
      this.runs = [];
    }
  }

  /** The held lines in order, as a source over the holder's own buffers (valid until the holder is emptied). */
  private heldSource(): Source {
    const { held, nums, strs } = this;
    const n = held.length;
    if (this.order.length < n) {
      this.order = new Uint32Array(n);
      this.room = new Uint32Array(n);
    }
    // Ties keep the order the records came in.
    const order = sortIndexes(n, this.order, this.room, nums, strs);
    let i = -1;
    const source: Source = {
      head: true,
      num: 0,
      str: undefined,
      buf: held.buf,
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
        source.start = held.start(k);
        source.end = held.end(k);
      },
    };
    source.next();
    return source;
  }

  /** Close every run and forget the records: the report was dropped (its disk space and descriptors come back). */
  discard(): void {
    for (const run of this.runs) run.close();
    this.runs = [];
    this.held.clear();
    this.strs = [];
  }

  /**
   * Write the held records as a run, then merge the newest runs while FAN of
   * one level exist. When TMPDIR refuses (a failed write leaves the held
   * records and the runs before it as they were), hold the records in memory
   * from then on; past holdBytes, give up.
   */
  private spill(): void {
    if (this.refused === null) {
      try {
        this.spillHeld();
        return;
      } catch (err) {
        this.refused = err;
        this.onHold?.(err);
      }
    }
    if (this.held.bytes <= this.holdBytes) return;
    // The runs written so far would hold their space until the process ends, and fail the other reports too.
    this.discard();
    throw this.refused;
  }

  private spillHeld(): void {
    this.runs.push(Run.write(this.dir, this.heldSource(), 0, this.out));
    // The buffers are kept for the next records: allocated anew each time, they waited for a full GC.
    this.held.clear();
    this.strs = [];
    for (;;) {
      const level = this.runs[this.runs.length - 1]!.level;
      const same = this.runs.filter((run) => run.level === level);
      if (same.length < FAN) return;
      const merged = Run.write(this.dir, mergedSource(same.map((run) => run.reader())), level + 1, this.out);
      for (const run of same) run.close();
      this.runs = [...this.runs.filter((run) => run.level !== level), merged];
    }
  }
}

/**
 * The indexes 0..n-1 in the order of their keys (`nums[i]`, `strs[i]`: see
 * readKey), ties in index order: a bottom-up merge sort between `a` and `b`
 * (each at least n long) that allocates nothing. The sorted indexes are in the
 * one it returns. With IPv4 hosts only (no `strs`), keys compare as numbers,
 * inline. TypedArray#sort with a comparator copied the order into the JS heap
 * and took 7 ms for a spill's 16,384 keys; this takes 3.
 */
export function sortIndexes(n: number, a: Uint32Array, b: Uint32Array, nums: Float64Array, strs: readonly (string | undefined)[]): Uint32Array {
  const v4 = strs.length === 0;
  let src = a;
  let dst = b;
  for (let i = 0; i < n; i++) src[i] = i;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = src[i]!;
        const y = src[j]!;
        // The right one only when it sorts strictly first: the merge is stable.
        if (v4 ? nums[y]! < nums[x]! : compareKeys(nums[y]!, strs[y], nums[x]!, strs[x]) < 0) {
          dst[k++] = y;
          j++;
        } else {
          dst[k++] = x;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  return src;
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
class LineGroup extends Lines implements HostRecords {
  host(): string {
    return this.record(0).host;
  }

  *[Symbol.iterator](): Generator<ProbeRecord> {
    for (let i = 0; i < this.length; i++) yield this.record(i);
  }
}
