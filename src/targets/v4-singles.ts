/**
 * Single IPv4 addresses of a target list, as they are read: a list of
 * addresses, one per line, is what masscan and ZMap users feed a scanner, and
 * an object per line (its token's parse, an interval, an array) made a
 * 400,000-line -iL peak at ~190 MB. Here each costs 4 bytes until the batch
 * is taken: sorted natively, de-duplicated and coalesced into intervals.
 */
import { type V4Interval } from './set.js';

export class V4Singles {
  private buf = new Uint32Array(1024);
  private n = 0;

  /** Addresses held now. */
  get length(): number {
    return this.n;
  }

  push(address: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Uint32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = address;
  }

  /** The addresses held as sorted, disjoint, non-adjacent intervals; the batch is emptied (its buffer kept). */
  take(): V4Interval[] {
    const sorted = this.buf.subarray(0, this.n).sort();
    const out: V4Interval[] = [];
    let i = 0;
    while (i < sorted.length) {
      const lo = sorted[i]!;
      let hi = lo;
      // Repeats and the next address extend the run.
      while (++i < sorted.length && sorted[i]! <= hi + 1) hi = sorted[i]!;
      out.push({ v6: false, lo, hi });
    }
    this.n = 0;
    return out;
  }
}
