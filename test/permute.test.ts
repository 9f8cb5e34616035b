/** The seeded permutation: one-to-one, invertible, a pure function of (index, range, seed). */
import { describe, expect, it } from 'vitest';
import { MAX_RANGE, Permutation } from '../src/permute/index.js';
import { checkSpace } from '../src/prepare.js';
import { ShardscanError } from '../src/errors.js';

describe('permutation', () => {
  it.each([1, 2, 3, 7, 100, 1000, 4097, 65535, 65536, 100_003])('is one-to-one and onto for range %i', (range) => {
    for (const seed of [0, 1, 123456789, 2 ** 48 + 5]) {
      const p = new Permutation(range, seed);
      const seen = new Uint8Array(range);
      let outside = 0;
      let notInverse = 0;
      for (let i = 0; i < range; i++) {
        const x = p.shuffle(i);
        if (!(x >= 0 && x < range)) outside++;
        else seen[x]!++;
        if (p.unshuffle(x) !== i) notInverse++;
      }
      expect({ outside, notInverse, everyOnce: seen.every((c) => c === 1) }).toEqual({ outside: 0, notInverse: 0, everyOnce: true });
    }
  });

  it('refuses ranges past 2^52: just under 2^53 its arithmetic rounded, and two positions walked to one index', () => {
    // An audit's pair for range 2^53 − 1, seed 42: both gave 2639078994068120, and 6886146815675720 was never walked.
    expect(() => new Permutation(2 ** 53 - 1, 42)).toThrow(RangeError);
    expect(() => new Permutation(MAX_RANGE + 1, 42)).toThrow(RangeError);
    const p = new Permutation(MAX_RANGE, 42);
    for (const i of [0, 1, 2_197_115_725_078_580, 4_964_919_037_724_224 - 2 ** 52 + 7, MAX_RANGE - 1]) {
      const x = p.shuffle(i);
      expect(x >= 0 && x < MAX_RANGE && Number.isSafeInteger(x)).toBe(true);
      expect(p.unshuffle(x)).toBe(i);
    }
  });

  it('the scan space is refused past 2^52 in plain words (--shard does not shrink it)', () => {
    expect(checkSpace(2 ** 24, 65535)).toBe(2 ** 24 * 65535);
    expect(checkSpace(2 ** 36, 65536)).toBe(MAX_RANGE);
    let err: unknown = null;
    try {
      checkSpace(137_441_050_656, 65535);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShardscanError);
    expect((err as ShardscanError).code).toBe('E_TOO_LARGE');
    expect((err as ShardscanError).message).toBe('137,441,050,656 hosts × 65,535 ports is too large a space (at most 2^52 = 4,503,599,627,370,496 host and port pairs): scan smaller networks or fewer ports in turn');
  });

  it('is a pure function of (index, range, seed)', () => {
    const a = new Permutation(1_000_000, 42);
    const b = new Permutation(1_000_000, 42);
    const c = new Permutation(1_000_000, 43);
    const sample = [0, 1, 999_999, 123_456];
    expect(sample.map((i) => a.shuffle(i))).toEqual(sample.map((i) => b.shuffle(i)));
    expect(sample.map((i) => a.shuffle(i))).not.toEqual(sample.map((i) => c.shuffle(i)));
  });

  it('inverts exactly on huge ranges (a /0 × 65535)', () => {
    const p = new Permutation(2 ** 32 * 65535, 7);
    for (const i of [0, 1, 2 ** 40, 2 ** 32 * 65535 - 1, 987_654_321_987]) {
      const x = p.shuffle(i);
      expect(x).toBeLessThan(2 ** 32 * 65535);
      expect(p.unshuffle(x)).toBe(i);
    }
  });

  it('scatters neighbours: consecutive positions rarely land next to each other', () => {
    const p = new Permutation(65536 * 16, 9);
    let adjacent = 0;
    for (let i = 0; i < 10_000; i++) if (Math.abs(p.shuffle(i + 1) - p.shuffle(i)) <= 16) adjacent++;
    expect(adjacent).toBeLessThan(50);
  });

  it('random order sorted equals the serial order', () => {
    const range = 5000;
    const p = new Permutation(range, 2024);
    const walked = Array.from({ length: range }, (_, i) => p.shuffle(i)).sort((a, b) => a - b);
    expect(walked).toEqual(Array.from({ length: range }, (_, i) => i));
  });
});
