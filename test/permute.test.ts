import { describe, expect, it } from 'vitest';
import { Permutation } from '../src/permute/index.js';
import { chunkBounds, defaultChunkSize, locate, parseShard, planShard } from '../src/shard/plan.js';

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

describe('shard plan', () => {
  it.each([
    ['1/1', { index: 1, total: 1 }],
    ['3/4', { index: 3, total: 4 }],
  ])('parses --shard %s', (text, expected) => {
    expect(parseShard(text)).toEqual(expected);
  });

  it.each(['0/4', '5/4', '1', 'a/b', '1/0', '-1/2'])('rejects --shard %s', (text) => {
    expect(() => parseShard(text)).toThrowError(/bad --shard .*e\.g\. --shard 2\/4/);
  });

  // ZMap's test_sharding idea: every shard × every chunk covers the space exactly once.
  it.each([
    [1, 1, 256],
    [100_000, 1, 4096],
    [100_000, 3, 1024],
    [65_535, 4, 256],
    [10, 16, 256],
    [3, 5, 256],
    [123_457, 7, 512],
  ])('range %i over %i shards (chunks of %i) covers every position once', (range, shards, chunkSize) => {
    const hits = new Uint8Array(range);
    for (let x = 1; x <= shards; x++) {
      const plan = planShard(range, { index: x, total: shards }, chunkSize);
      let owned = 0;
      for (let id = 0; id < plan.chunks; id++) {
        const b = chunkBounds(plan, id);
        expect(b.count).toBeGreaterThan(0);
        for (let k = 0; k < b.count; k++) {
          const pos = b.start + k * b.stride;
          hits[pos]!++;
          const at = locate(plan, pos);
          if (at?.chunk !== id || at.k !== k) throw new Error(`locate(${pos}) = ${JSON.stringify(at)}, expected chunk ${id} offset ${k}`);
          owned++;
        }
      }
      expect(owned).toBe(plan.positions);
    }
    expect(hits.every((h) => h === 1)).toBe(true);
  });

  it('cuts the end of the walk into smaller chunks', () => {
    const plan = planShard(65_535, { index: 1, total: 1 }, 4096);
    // 11 chunks of 4096, then 40 of 512 for the last 20,479 positions.
    expect(plan.mainChunks).toBe(11);
    expect(chunkBounds(plan, 10).count).toBe(4096);
    expect(chunkBounds(plan, 11).count).toBe(512);
    expect(plan.chunks).toBe(11 + 40);
    expect(chunkBounds(plan, plan.chunks - 1).count).toBe(65_535 - 11 * 4096 - 39 * 512);
  });

  it('locate() refuses positions of another shard', () => {
    const plan = planShard(100, { index: 2, total: 4 }, 256);
    expect(locate(plan, 0)).toBeNull();
    expect(locate(plan, 1)).toEqual({ chunk: 0, k: 0 });
    expect(locate(plan, 5)).toEqual({ chunk: 0, k: 1 });
  });

  it('chooses chunk sizes that give each worker several chunks', () => {
    expect(defaultChunkSize(65_535, 2)).toBe(4096);
    expect(defaultChunkSize(100, 2)).toBe(256);
    expect(defaultChunkSize(2 ** 32, 2)).toBe(65536);
  });
});
