/**
 * TargetSet: a sorted, de-duplicated set of addresses kept as intervals, with
 * `count` and `at(i)`. Memory is proportional to the number of intervals, never
 * to the number of hosts: 127.0.0.0/8 is one interval.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';

/** A TargetSet's data, cheap to clone to a worker thread (typed arrays). */
export interface TargetSetData {
  /** IPv4 intervals: starts and inclusive ends as unsigned 32-bit numbers. */
  v4Start: Float64Array;
  v4End: Float64Array;
  /** IPv6 intervals as hex strings of 128-bit values, with inclusive ends. */
  v6Start: string[];
  v6End: string[];
}

/**
 * An inclusive interval of addresses: IPv4 as plain numbers in [0, 2^32),
 * IPv6 as bigints. A list of a million IPv4 addresses spent most of its
 * ~4 s in bigint conversions and garbage when IPv4 was bigint too.
 */
export type Interval = V4Interval | V6Interval;
export interface V4Interval {
  v6: false;
  lo: number;
  hi: number;
}
export interface V6Interval {
  v6: true;
  lo: bigint;
  hi: bigint;
}
/** An address of either family: a number (IPv4) or a bigint (IPv6). */
export type Addr = Interval['lo'];

/** The interval [lo, hi] of a family (lo and hi of that family's type). */
export function interval(v6: boolean, lo: Addr, hi: Addr): Interval {
  return { v6, lo, hi } as Interval;
}

/** The next and the previous address, in the address's own type. */
export const succ = (x: Addr): Addr => (typeof x === 'number' ? x + 1 : x + 1n);
export const pred = (x: Addr): Addr => (typeof x === 'number' ? x - 1 : x - 1n);

/** Addresses in [lo, hi] (one family) as a number: exact below 2^53, which any target list is. */
export function spanCount(lo: Addr, hi: Addr): number {
  return typeof lo === 'number' ? (hi as number) - lo + 1 : Number((hi as bigint) - lo) + 1;
}

/** Addresses in an interval, exactly (IPv6 blocks of the blocklist reach 2^125). */
export function intervalSize(iv: Interval): bigint {
  return iv.v6 ? iv.hi - iv.lo + 1n : BigInt(iv.hi - iv.lo + 1);
}

/** (family, start) order: IPv4 first. */
function order(a: Interval, b: Interval): number {
  return a.v6 === b.v6 ? (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0) : a.v6 ? 1 : -1;
}

/** Already in order (the output of subtractIntervals, or of a merge): no sort needed. */
function inOrder(list: readonly Interval[]): boolean {
  for (let i = 1; i < list.length; i++) if (order(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

/** Largest list whose IPv4 sort packs start and index into one float64 (2^32 × 2^21 = 2^53). */
const PACKED_SORT_MAX = 2 ** 21;

/**
 * IPv4 intervals sorted by start, then IPv6. A list of a million addresses
 * sorted with a comparator on bigints took ~1.6 s; the IPv4 part is sorted
 * here as numbers, start × 2^21 + index in a Float64Array (exact below 2^53),
 * which the engine sorts natively.
 */
function sortIntervals(list: readonly Interval[]): Interval[] {
  const v4: V4Interval[] = [];
  const v6: V6Interval[] = [];
  for (const iv of list) {
    if (iv.v6) v6.push(iv);
    else v4.push(iv);
  }
  v6.sort(order);
  if (v4.length >= PACKED_SORT_MAX) return [...v4.sort(order), ...v6];
  const keys = new Float64Array(v4.length);
  for (let i = 0; i < v4.length; i++) keys[i] = v4[i]!.lo * PACKED_SORT_MAX + i;
  keys.sort();
  const out: Interval[] = new Array<Interval>(v4.length);
  for (let i = 0; i < keys.length; i++) out[i] = v4[keys[i]! % PACKED_SORT_MAX]!;
  for (const iv of v6) out.push(iv);
  return out;
}

/**
 * The union of two merged lists (each sorted and disjoint), merged: linear,
 * where merging their concatenation would sort it again (a list read in
 * batches re-sorted all it had read so far at every batch).
 */
export function unionMerged(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const both: Interval[] = new Array<Interval>(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < both.length; k++) both[k] = j >= b.length || (i < a.length && order(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!;
  return mergeIntervals(both);
}

/** Sort and merge overlapping or adjacent intervals of one family. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = inOrder(list) ? list : sortIntervals(list);
  const out: Interval[] = [];
  // The input's intervals are reused as they are; one is copied only when a
  // later one extends it, so the caller's objects are never changed.
  let owned: Interval | null = null;
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && last.v6 === iv.v6 && iv.lo <= succ(last.hi)) {
      if (iv.hi <= last.hi) continue;
      if (last !== owned) out[out.length - 1] = owned = { ...last };
      (owned as { hi: Addr }).hi = iv.hi;
    } else {
      out.push(iv);
    }
  }
  return out;
}

/** True when `a` lies wholly before `b` in (family, address) order. */
function endsBefore(a: Interval, b: Interval): boolean {
  return a.v6 === b.v6 ? a.hi < b.lo : !a.v6;
}

/** Remove `minus` from `from`; both must be merged (sorted, disjoint). Linear in both. */
export function subtractIntervals(from: readonly Interval[], minus: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const iv of from) {
    while (j < minus.length && endsBefore(minus[j]!, iv)) j++;
    let lo: Addr = iv.lo;
    for (let k = j; k < minus.length && lo <= iv.hi; k++) {
      const ex = minus[k]!;
      if (ex.v6 !== iv.v6 || ex.lo > iv.hi) break;
      if (ex.lo > lo) out.push(interval(iv.v6, lo, pred(ex.lo)));
      if (succ(ex.hi) > lo) lo = succ(ex.hi);
    }
    if (lo === iv.lo) out.push(iv); // nothing taken out of it
    else if (lo <= iv.hi) out.push(interval(iv.v6, lo, iv.hi));
  }
  return out;
}

/** Lower bound: the last index whose cumulative start is <= i. */
function findInterval(cum: ArrayLike<number>, i: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (cum[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A lazy, indexable set of target addresses (IPv4 first, then IPv6, each ascending). */
export class TargetSet {
  /** Number of addresses. */
  readonly count: number;
  readonly v4Count: number;
  private readonly v4Start: Float64Array;
  private readonly v4End: Float64Array;
  private readonly v4Cum: Float64Array;
  private readonly v6Start: bigint[];
  private readonly v6End: bigint[];
  private readonly v6Cum: number[];

  private constructor(data: TargetSetData) {
    this.v4Start = data.v4Start;
    this.v4End = data.v4End;
    this.v4Cum = new Float64Array(data.v4Start.length);
    let n = 0;
    for (let i = 0; i < data.v4Start.length; i++) {
      this.v4Cum[i] = n;
      n += data.v4End[i]! - data.v4Start[i]! + 1;
    }
    this.v4Count = n;
    this.v6Start = data.v6Start.map((h) => BigInt(`0x${h}`));
    this.v6End = data.v6End.map((h) => BigInt(`0x${h}`));
    this.v6Cum = [];
    for (let i = 0; i < this.v6Start.length; i++) {
      this.v6Cum.push(n - this.v4Count);
      n += spanCount(this.v6Start[i]!, this.v6End[i]!);
    }
    this.count = n;
  }

  /** Build from merged intervals (see mergeIntervals). */
  static fromIntervals(merged: readonly Interval[]): TargetSet {
    // Plain loops: Float64Array.from with a mapping function took ~1 s for a million intervals.
    let n4 = 0;
    for (const iv of merged) if (!iv.v6) n4++;
    const v4Start = new Float64Array(n4);
    const v4End = new Float64Array(n4);
    const v6Start: string[] = [];
    const v6End: string[] = [];
    let i = 0;
    for (const iv of merged) {
      if (iv.v6) {
        v6Start.push(iv.lo.toString(16));
        v6End.push(iv.hi.toString(16));
      } else {
        v4Start[i] = iv.lo;
        v4End[i++] = iv.hi;
      }
    }
    return new TargetSet({ v4Start, v4End, v6Start, v6End });
  }

  /** Rebuild in a worker from the cloned data. */
  static fromData(data: TargetSetData): TargetSet {
    return new TargetSet(data);
  }

  /** What prepare.ts's digestOf() hashes: the exact set (IPv6 bounds in decimal, as digests have always been taken). */
  digestInput(): [Uint8Array, Uint8Array, string] {
    return [
      new Uint8Array(this.v4Start.buffer, this.v4Start.byteOffset, this.v4Start.byteLength),
      new Uint8Array(this.v4End.buffer, this.v4End.byteOffset, this.v4End.byteLength),
      this.v6Start.join(',') + '|' + this.v6End.join(','),
    ];
  }

  /** The compact form sent to workers. */
  toData(): TargetSetData {
    return {
      v4Start: this.v4Start,
      v4End: this.v4End,
      v6Start: this.v6Start.map((b) => b.toString(16)),
      v6End: this.v6End.map((b) => b.toString(16)),
    };
  }

  /** Number of stored intervals (what memory grows with). */
  get intervals(): number {
    return this.v4Start.length + this.v6Start.length;
  }

  /** The i-th address, 0 <= i < count. */
  at(i: number): string {
    if (!(Number.isInteger(i) && i >= 0 && i < this.count)) throw new RangeError(`TargetSet.at: ${i} is not an index of this set of ${this.count} hosts`);
    if (i < this.v4Count) {
      const k = this.v4Start.length === 1 ? 0 : findInterval(this.v4Cum, i);
      return formatIPv4(this.v4Start[k]! + (i - this.v4Cum[k]!));
    }
    const j = i - this.v4Count;
    const k = findInterval(this.v6Cum, j);
    return formatIPv6(this.v6Start[k]! + BigInt(j - this.v6Cum[k]!));
  }

  /** The i-th address as an unsigned 32-bit number when it is IPv4, else -1 (no string made). */
  v4At(i: number): number {
    if (i >= this.v4Count) return -1;
    const k = this.v4Start.length === 1 ? 0 : findInterval(this.v4Cum, i);
    return this.v4Start[k]! + (i - this.v4Cum[k]!);
  }

  /** Index of an address in the set, or -1. */
  indexOf(address: string): number {
    const v4 = parseIPv4(address);
    if (v4 !== null) {
      for (let lo = 0, hi = this.v4Start.length - 1; lo <= hi; ) {
        const mid = (lo + hi) >>> 1;
        if (v4 < this.v4Start[mid]!) hi = mid - 1;
        else if (v4 > this.v4End[mid]!) lo = mid + 1;
        else return this.v4Cum[mid]! + (v4 - this.v4Start[mid]!);
      }
      return -1;
    }
    const v6 = parseIPv6(address);
    if (v6 === null) return -1;
    for (let lo = 0, hi = this.v6Start.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >>> 1;
      if (v6 < this.v6Start[mid]!) hi = mid - 1;
      else if (v6 > this.v6End[mid]!) lo = mid + 1;
      else return this.v4Count + this.v6Cum[mid]! + Number(v6 - this.v6Start[mid]!);
    }
    return -1;
  }

}
