/** The seeded permutation: one-to-one, invertible, a pure function of (index, range, seed). */
import { describe, expect, it } from 'vitest';
import { Permutation } from '../src/permute/index.js';

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
