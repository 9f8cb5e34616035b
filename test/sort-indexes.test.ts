/**
 * sortIndexes orders a sorted report's held records (host-groups.ts) without
 * allocating: it must give exactly what a stable sort by the same keys gives,
 * for IPv4 keys alone (compared as numbers) and for keys with address strings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortIndexes } from '../src/output/host-groups.js';
import { compareKeys } from '../src/output/sort-runs.js';

/** What the order must be: a stable sort of 0..n-1 by (num, str). */
function reference(nums: Float64Array, strs: readonly (string | undefined)[]): number[] {
  return [...nums.keys()].sort((a, b) => compareKeys(nums[a]!, strs[a], nums[b]!, strs[b]) || a - b);
}

function sorted(nums: Float64Array, strs: readonly (string | undefined)[], slack = 0): number[] {
  const n = nums.length;
  // Arrays longer than n, their tails dirty: only the first n entries count.
  const a = new Uint32Array(n + slack).fill(7);
  const b = new Uint32Array(n + slack).fill(9);
  const out = sortIndexes(n, a, b, nums, strs);
  expect(out === a || out === b).toBe(true);
  return [...out.subarray(0, n)];
}

// Few distinct keys, so that ties are common.
const v4Key = fc.integer({ min: 0, max: 40 }).map((k) => 2_130_706_433 * 65536 + k);
const strKey = fc.option(fc.constantFrom('4000000a', '6000001', '6000002', '7x'), { nil: undefined });

describe('sortIndexes', () => {
  it('IPv4 keys only: the stable order of their numbers', () => {
    fc.assert(
      fc.property(fc.array(v4Key, { maxLength: 300 }), fc.nat(5), (keys, slack) => {
        const nums = Float64Array.from(keys);
        expect(sorted(nums, [], slack)).toEqual(reference(nums, []));
      }),
      { numRuns: 300 },
    );
  });

  it('keys with address strings (IPv6, names): the stable order of compareKeys', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), strKey), { maxLength: 300 }), (keys) => {
        const nums = Float64Array.from(keys.map(([n]) => n));
        // Sparse, as HostGroups keeps it: a string only where the host has one.
        const strs: (string | undefined)[] = [];
        keys.forEach(([, s], i) => {
          if (s !== undefined) strs[i] = s;
        });
        expect(sorted(nums, strs)).toEqual(reference(nums, strs));
      }),
      { numRuns: 300 },
    );
  });

  it('16,384 records in random order, the size of a spill', () => {
    const nums = new Float64Array(16_384);
    let x = 12345;
    for (let i = 0; i < nums.length; i++) {
      x = (x * 1_103_515_245 + 12345) % 2_147_483_648;
      nums[i] = (2_130_706_432 + (x % 262_144)) * 65536 + 47123;
    }
    expect(sorted(nums, [])).toEqual(reference(nums, []));
  });
});
