/**
 * ScanLedger (src/pool/ledger.ts): the coordinator's checkpoint ledger. The
 * order chunks start in (a resumed checkpoint's partial chunks first, complete
 * ones never, partial ones not again from 0), re-runs first, completedBelow
 * moving over contiguous complete chunks, and what a checkpoint holds.
 */
import { describe, expect, it } from 'vitest';
import { ShardscanError } from '../src/errors.js';
import { emptyCounts } from '../src/model/states.js';
import { rng } from './helpers/prng.js';
import { type CheckpointState, type OffsetRanges, inRanges, rangesFrom } from '../src/model/checkpoint.js';
import type { ChunkRun } from '../src/pool/chunk-run.js';
import { type ChunkStart, ScanLedger } from '../src/pool/ledger.js';
import { type ShardPlan, planShard } from '../src/shard/plan.js';

/** 3,072 positions in chunks of 256: 8 main chunks, then 32 tail chunks of 32 (planShard). */
const plan: ShardPlan = planShard(256 * 12, { index: 1, total: 1 }, 256);

function drain(l: ScanLedger): ChunkStart[] {
  const out: ChunkStart[] = [];
  for (let c = l.takeNext(); c; c = l.takeNext()) out.push(c);
  return out;
}

const resume = (over: Partial<CheckpointState> = {}): CheckpointState => ({
  chunkSize: plan.chunkSize, chunks: plan.chunks, completedBelow: 0, completed: [], partial: [],
  counts: { open: 0, closed: 0, filtered: 0, error: 0 }, events: {}, ...over,
});

const codeOf = (f: () => unknown): string | null => {
  try {
    f();
    return null;
  } catch (err) {
    return err instanceof ShardscanError ? err.code : String(err);
  }
};

describe('ScanLedger', () => {
  it('starts every chunk once, from 0, in id order', () => {
    expect(plan.chunks).toBe(8 + 32);
    const l = new ScanLedger(plan);
    expect(l.hasMore).toBe(true);
    expect(drain(l)).toEqual(Array.from({ length: plan.chunks }, (_, id) => ({ id, fromK: 0, skip: [] })));
    expect(l.hasMore).toBe(false);
    expect(l.takeNext()).toBeNull();
  });

  it('resumes partial chunks first (by id, from their watermark), skips complete ones and never restarts a partial one', () => {
    const l = new ScanLedger(plan, resume({
      completedBelow: 3,
      completed: [5, 7, 39],
      partial: [{ id: 9, watermark: 10 }, { id: 4, watermark: 20 }],
      counts: { open: 1, closed: 20, filtered: 3, error: 0 },
      events: { EMFILE: 4 },
    }));
    const order = drain(l);
    expect(order.slice(0, 2)).toEqual([{ id: 4, fromK: 20, skip: [] }, { id: 9, fromK: 10, skip: [] }]);
    const skipped = new Set([0, 1, 2, 4, 5, 7, 9, 39]);
    expect(order.slice(2)).toEqual(Array.from({ length: plan.chunks }, (_, id) => id).filter((id) => !skipped.has(id)).map((id) => ({ id, fromK: 0, skip: [] })));
    expect(l.resumedDone).toBe(24);
    expect(l.counts).toEqual({ open: 1, closed: 20, filtered: 3, error: 0 });
    expect(l.events).toEqual({ EMFILE: 4 });
  });

  it('runs a chunk given again() before anything else, the latest first', () => {
    const l = new ScanLedger(plan, resume({ partial: [{ id: 6, watermark: 1 }] }));
    expect(l.takeNext()).toEqual({ id: 6, fromK: 1, skip: [] });
    expect(l.takeNext()).toEqual({ id: 0, fromK: 0, skip: [] });
    l.again(6, 30, []);
    l.again(0, 7, []);
    expect([l.takeNext(), l.takeNext(), l.takeNext()]).toEqual([{ id: 0, fromK: 7, skip: [] }, { id: 6, fromK: 30, skip: [] }, { id: 1, fromK: 0, skip: [] }]);
  });

  it('moves completedBelow over contiguous complete chunks only', () => {
    const l = new ScanLedger(plan);
    drain(l);
    const below = (): number => l.checkpoint([]).completedBelow;
    l.markComplete(2);
    l.markComplete(1);
    expect([below(), l.checkpoint([]).completed]).toEqual([0, [1, 2]]);
    l.markComplete(0);
    expect([below(), l.checkpoint([]).completed]).toEqual([3, []]);
    l.markComplete(4);
    expect([below(), l.checkpoint([]).completed]).toEqual([3, [4]]);
    expect(l.complete).toBe(false);
    for (let id = plan.chunks - 1; id >= 3; id--) if (id !== 4) l.markComplete(id);
    expect([below(), l.checkpoint([]).completed, l.complete]).toEqual([plan.chunks, [], true]);
  });

  it('checkpoints running watermarks and queued chunks as partial, sorted, with copies of the counts', () => {
    const l = new ScanLedger(plan, resume({ completedBelow: 1, partial: [{ id: 8, watermark: 5 }, { id: 3, watermark: 2 }] }));
    expect(l.takeNext()).toEqual({ id: 3, fromK: 2, skip: [] }); // 8 stays queued
    l.again(2, 9, []);
    l.commit({ open: 0, closed: 0, filtered: 0, error: 0 }, { open: 2, closed: 5, filtered: 0, error: 1 });
    l.commit({ open: 2, closed: 5, filtered: 0, error: 1 }, { open: 3, closed: 5, filtered: 1, error: 1 });
    l.markComplete(6);
    const cp = l.checkpoint([{ id: 3, fromK: 40, skip: [] }, { id: 1, fromK: 0, skip: [] }]);
    expect(cp).toEqual({
      chunkSize: plan.chunkSize,
      chunks: plan.chunks,
      completedBelow: 1,
      completed: [6],
      partial: [{ id: 1, watermark: 0 }, { id: 2, watermark: 9 }, { id: 3, watermark: 40 }, { id: 8, watermark: 5 }],
      counts: { open: 3, closed: 5, filtered: 1, error: 1 },
      events: {},
    });
    cp.counts.open = 100;
    cp.events.x = 1;
    expect(l.counts.open).toBe(3);
    expect(l.events).toEqual({});
  });

  it('keeps what a stopped run decided above its watermark when its last message listed it, and skips it next time', () => {
    const l = new ScanLedger(plan, resume({ partial: [{ id: 5, watermark: 10, done: [[12, 14], [40, 41]] }], counts: { open: 0, closed: 13, filtered: 0, error: 0 } }));
    expect(l.takeNext()).toEqual({ id: 5, fromK: 10, skip: [[12, 14], [40, 41]] });
    // Running at watermark 13: 12 is below it now, 13 and 40 still listed.
    expect(l.checkpoint([{ id: 5, fromK: 13, skip: [[12, 14], [40, 41]] }]).partial).toEqual([{ id: 5, watermark: 13, done: [[13, 14], [40, 41]] }]);
    const run = (above: [number, number][] | null): ChunkRun => ({
      bounds: { id: 5 }, watermark: 15, skip: [[12, 14], [40, 41]], above,
      committed: { open: 0, closed: 2, filtered: 0, error: 0 }, decidedCounts: { open: 1, closed: 4, filtered: 0, error: 0 }, cutOpen: 0,
    }) as unknown as ChunkRun;
    l.commit(emptyCounts(), { open: 0, closed: 2, filtered: 0, error: 0 });
    l.setAside(run([[20, 22], [30, 31], [40, 41]]));
    // The three this run decided above 15 (one open, two closed) are committed; 40 was counted by the checkpoint already.
    expect(l.counts).toEqual({ open: 1, closed: 17, filtered: 0, error: 0 });
    expect(l.uncommitted).toEqual(emptyCounts());
    expect(l.checkpoint([]).partial).toEqual([{ id: 5, watermark: 15, done: [[20, 22], [30, 31], [40, 41]] }]);
    expect(l.takeNext()).toEqual({ id: 5, fromK: 15, skip: [[20, 22], [30, 31], [40, 41]] });
    // No last message (a crash, or no answer to the stop in time): reported, not checkpointed; the earlier run's 40 stays.
    l.setAside(run(null));
    expect(l.uncommitted).toEqual({ open: 1, closed: 2, filtered: 0, error: 0 });
    expect(l.checkpoint([]).partial).toEqual([{ id: 5, watermark: 15, done: [[40, 41]] }]);
  });

  it('reports open ports whose banner read a stop cut, and never checkpoints them: a resume reads them again', () => {
    const l = new ScanLedger(plan, null);
    expect(l.takeNext()).toMatchObject({ id: 0, fromK: 0 });
    // Stopped at watermark 3 with 5 decided above it listed; 2 open ports were being read when the stop came.
    const run = { bounds: { id: 0 }, watermark: 3, skip: [], above: [[5, 6]], committed: { open: 0, closed: 3, filtered: 0, error: 0 }, decidedCounts: { open: 0, closed: 4, filtered: 0, error: 0 }, cutOpen: 2 } as unknown as ChunkRun;
    l.commit(emptyCounts(), run.committed);
    l.setAside(run);
    expect(l.counts).toEqual({ open: 0, closed: 4, filtered: 0, error: 0 });
    expect(l.uncommitted).toEqual({ open: 2, closed: 0, filtered: 0, error: 0 });
    // Offsets 3 and 4 (the cut reads) are not in the checkpoint: the next run, or a resume, probes them.
    expect(l.checkpoint([]).partial).toEqual([{ id: 0, watermark: 3, done: [[5, 6]] }]);
    expect(l.complete).toBe(false);
  });

  it.each([
    ['chunk size', { chunkSize: 512 }],
    ['chunk count', { chunks: plan.chunks + 1 }],
  ])('refuses a checkpoint with another %s (E_RESUME)', (_what, over) => {
    expect(codeOf(() => new ScanLedger(plan, resume(over)))).toBe('E_RESUME');
  });
});

const rangesSize = (ranges: OffsetRanges): number => ranges.reduce((n, [a, b]) => n + b - a, 0);

describe('offset ranges (a checkpoint\'s done lists)', () => {
  it.each([1, 2, 3, 4])('find, clip and count offsets as a plain set would (seed %i)', (seed) => {
    const r = rng(seed);
    const ranges: OffsetRanges = [];
    const set = new Set<number>();
    for (let at = r.int(5); at < 400; at += 1 + r.int(20)) {
      const end = at + 1 + r.int(15);
      ranges.push([at, end]);
      for (let k = at; k < end; k++) set.add(k);
      at = end;
    }
    for (let k = -2; k < 420; k++) expect(inRanges(ranges, k), String(k)).toBe(set.has(k));
    expect(rangesSize(ranges)).toBe(set.size);
    for (const from of [0, 3, 50, 199, 400]) {
      const clipped = rangesFrom(ranges, from);
      expect(rangesSize(clipped)).toBe([...set].filter((k) => k >= from).length);
      for (const [a, b] of clipped) expect(a >= from && b > a).toBe(true);
    }
  });
});
