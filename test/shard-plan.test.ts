/** The shard plan: machine shards and chunks as parameters, covering the walk exactly once. */
import { describe, expect, it } from 'vitest';
import { chunkBounds, defaultChunkSize, locate, parseShard, planShard } from '../src/shard/plan.js';

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
