/**
 * The interval algebra under the target set (src/targets/set.ts), against a
 * brute-force model: random intervals over small address spaces, merged and
 * subtracted, must cover exactly the addresses the model says, sorted, disjoint
 * and not touching, without changing the caller's interval objects. Also the
 * big-list path: a shuffled list of 100,000 addresses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Interval, TargetSet, mergeIntervals, subtractIntervals, succ, unionMerged } from '../src/targets/set.js';

/** Random intervals: IPv4 in [0, 300], IPv6 in [0, 300] (a separate family). */
const interval = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 12 }))
  .map(([v6, lo, len]): Interval => (v6 ? { v6, lo: BigInt(lo), hi: BigInt(lo + len) } : { v6, lo, hi: lo + len }));
const intervals = fc.array(interval, { maxLength: 40 });

/** The addresses a list covers, as "4:n" / "6:n" keys. */
function covered(list: readonly Interval[]): Set<string> {
  const out = new Set<string>();
  for (const iv of list) for (let a = iv.lo; a <= iv.hi; a = succ(a)) out.add(`${iv.v6 ? 6 : 4}:${a}`);
  return out;
}

/** Sorted (IPv4 first), disjoint and not adjacent: what a merge promises. */
function expectCanonical(list: readonly Interval[]): void {
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1]!;
    const b = list[i]!;
    if (a.v6 === b.v6) expect(b.lo > succ(a.hi), JSON.stringify([a, b], (_, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(true);
    else expect(a.v6).toBe(false);
  }
  for (const iv of list) expect(iv.lo <= iv.hi).toBe(true);
}

const snapshot = (list: readonly Interval[]): string => JSON.stringify(list, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('interval algebra', () => {
  it('merge covers exactly the union, canonical, and leaves its input alone', () => {
    fc.assert(
      fc.property(intervals, (list) => {
        const before = snapshot(list);
        const merged = mergeIntervals(list);
        expect(snapshot(list)).toBe(before);
        expectCanonical(merged);
        expect(covered(merged)).toEqual(covered(list));
      }),
      { numRuns: 500 },
    );
  });

  it('the union of two merged lists is the merge of both, and leaves them alone', () => {
    fc.assert(
      fc.property(intervals, intervals, (a, b) => {
        const x = mergeIntervals(a);
        const y = mergeIntervals(b);
        const before = snapshot(x) + snapshot(y);
        const union = unionMerged(x, y);
        expect(snapshot(x) + snapshot(y)).toBe(before);
        expectCanonical(union);
        expect(snapshot(union)).toBe(snapshot(mergeIntervals([...a, ...b])));
      }),
      { numRuns: 500 },
    );
  });

  it('subtract covers exactly the difference, and leaves both inputs alone', () => {
    fc.assert(
      fc.property(intervals, intervals, (a, b) => {
        const from = mergeIntervals(a);
        const minus = mergeIntervals(b);
        const before = snapshot(from) + snapshot(minus);
        const left = subtractIntervals(from, minus);
        expect(snapshot(from) + snapshot(minus)).toBe(before);
        expectCanonical(left);
        const want = covered(from);
        for (const k of covered(minus)) want.delete(k);
        expect(covered(left)).toEqual(want);
        // Merging what is already canonical changes nothing.
        expect(snapshot(mergeIntervals(left))).toBe(snapshot(left));
      }),
      { numRuns: 500 },
    );
  });

  it('a shuffled list of 100,000 addresses merges into the same set a sorted one does', () => {
    const n = 100_000;
    const addrs = Array.from({ length: n }, (_, i) => 2_130_706_432 + i * 3); // 127.0.0.0 + every third address
    let seed = 7;
    for (let i = n - 1; i > 0; i--) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const j = seed % (i + 1);
      [addrs[i], addrs[j]] = [addrs[j]!, addrs[i]!];
    }
    const list: Interval[] = addrs.map((a) => ({ v6: false, lo: a, hi: a }));
    list.push({ v6: true, lo: 1n, hi: 1n }, { v6: false, lo: 2_130_706_432, hi: 2_130_706_434 });
    const merged = mergeIntervals(list);
    expectCanonical(merged);
    // 127.0.0.0-2 joins the first two; the rest stay apart; ::1 comes last.
    expect(merged).toHaveLength(n);
    expect(merged[0]).toEqual({ v6: false, lo: 2_130_706_432, hi: 2_130_706_435 });
    expect(merged[n - 1]).toEqual({ v6: true, lo: 1n, hi: 1n });
    const set = TargetSet.fromIntervals(merged);
    expect(set.count).toBe(n + 2 + 1); // the n addresses, 127.0.0.1 and .2, and ::1
    expect(set.at(0)).toBe('127.0.0.0');
    expect(set.at(4)).toBe('127.0.0.6');
    expect(set.at(set.count - 1)).toBe('::1');
  });
});
