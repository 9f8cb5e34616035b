/**
 * ChunkLedger (workers/ledger.ts): one chunk as a worker runs it. The
 * watermark moves only over contiguous decided offsets, `committed` counts
 * exactly the offsets below it, per-host deltas cover only committed offsets,
 * and takeProgress hands events and host counts over once.
 */
import { describe, expect, it } from 'vitest';
import { PORT_STATES, type PortState, type StateCounts, emptyCounts } from '../src/model/states.js';
import { readHostDelta } from '../src/wire/host-delta.js';
import type { ChunkTask } from '../src/wire/messages.js';
import { ChunkLedger } from '../workers/ledger.js';
import { rng } from './helpers/prng.js';

/** The ledger reads only fromK, skip and count of its task. */
const task = (count: number, fromK = 0, skip: [number, number][] = []): ChunkTask => ({ chunkId: 0, attempt: 0, start: 0, stride: 1, count, fromK, skip }) as unknown as ChunkTask;

const ledger = (count: number, fromK = 0, hostOf: ((k: number) => number) | null = null): ChunkLedger => new ChunkLedger(task(count, fromK), () => {}, hostOf);

function countsOf(states: readonly PortState[]): StateCounts {
  const c = emptyCounts();
  for (const s of states) c[s]++;
  return c;
}

/** Host delta → sorted "host:state" strings. */
function pairs(packed: Float64Array | null): string[] {
  const out: string[] = [];
  if (packed) readHostDelta(packed, (h, s) => out.push(`${h}:${PORT_STATES[s]}`));
  return out.sort();
}

describe('ChunkLedger', () => {
  it('moves the watermark only over contiguous decided offsets', () => {
    const c = ledger(6);
    const marks: number[] = [];
    for (const k of [2, 0, 1, 5, 3, 4]) {
      c.decide(k, 'closed');
      marks.push(c.watermark);
    }
    expect(marks).toEqual([0, 1, 3, 3, 4, 6]);
  });

  it.each([1, 2, 3, 4, 5])('keeps committed = states below the watermark, decidedCounts = all decided (seed %i)', (seed) => {
    const r = rng(seed);
    const count = 300;
    const fromK = r.int(50);
    const c = ledger(count, fromK);
    const states: (PortState | undefined)[] = [];
    for (const k of r.shuffle(Array.from({ length: count - fromK }, (_, i) => fromK + i))) {
      const s = r.pick(PORT_STATES);
      states[k] = s;
      c.decide(k, s);
      let w = fromK;
      while (w < count && states[w] !== undefined) w++;
      const committed = countsOf(states.slice(fromK, w) as PortState[]);
      const decided = countsOf(states.filter((x): x is PortState => x !== undefined));
      if (c.watermark !== w) expect.fail(`seed ${seed}: after k=${k} watermark ${c.watermark}, expected ${w}`);
      expect(c.committed).toEqual(committed);
      expect(c.decidedCounts).toEqual(decided);
    }
    expect(c.watermark).toBe(count);
    expect(c.decided).toBe(count - fromK);
  });

  it('starts at fromK and is exhausted only when every offset is started and decided, or stopped', () => {
    const c = ledger(4, 2);
    expect([c.nextK, c.watermark, c.started, c.exhausted]).toEqual([2, 2, false, false]);
    c.nextK = 4;
    expect([c.started, c.exhausted]).toEqual([true, false]);
    c.decide(3, 'open');
    expect(c.exhausted).toBe(false);
    c.decide(2, 'open');
    expect([c.watermark, c.exhausted]).toEqual([4, true]);
    expect(c.committed).toEqual({ open: 2, closed: 0, filtered: 0, error: 0 });

    const s = ledger(4);
    s.stopped = true;
    expect(s.exhausted).toBe(true);
  });

  it('never starts or counts an offset an earlier run decided (skip), and moves the watermark over it', () => {
    const c = new ChunkLedger(task(8, 1, [[2, 4], [6, 7]]), () => {}, (k) => k);
    const started: number[] = [];
    for (; !c.started; c.advance()) started.push(c.nextK);
    expect(started).toEqual([1, 4, 5, 7]);
    c.decide(1, 'open');
    expect(c.watermark).toBe(4); // over 2 and 3, decided before
    c.decide(5, 'closed');
    const stop = c.takeProgress(null, true);
    expect(stop.above).toEqual([[5, 7]]); // a stop now keeps 5 (this run) and 6 (an earlier one)
    // 5 too, decided above the watermark: a stopped chunk's per-host counts are its checkpoint's (helper 20).
    expect(pairs(stop.hostCounts)).toEqual(['1:open', '5:closed']);
    c.decide(4, 'filtered');
    c.decide(7, 'closed');
    expect([c.watermark, c.decided]).toEqual([8, 4]);
    expect(c.committed).toEqual({ open: 1, closed: 2, filtered: 1, error: 0 });
    expect(c.decidedCounts).toEqual(c.committed);
    // 5 was counted at the stop: not again.
    expect(pairs(c.takeProgress(null, true).hostCounts)).toEqual(['4:filtered', '7:closed']);
  });

  it('lists the offsets decided above the watermark only in a last message that ends short', () => {
    const c = ledger(5);
    c.decide(1, 'closed');
    c.decide(3, 'open');
    c.decide(4, 'open');
    expect(c.takeProgress()).not.toHaveProperty('above');
    expect(c.takeProgress(null, true).above).toEqual([[1, 2], [3, 5]]);
    for (const k of [0, 2]) c.decide(k, 'closed');
    expect(c.takeProgress(null, true)).not.toHaveProperty('above');
  });

  it('sends per-host counts only for committed offsets, each once', () => {
    const c = ledger(6, 0, (k) => 10 + (k % 2));
    c.decide(1, 'open'); // above the watermark: not yet
    c.decide(2, 'filtered');
    expect(c.takeProgress().hostCounts).toBeNull();
    c.decide(0, 'closed'); // commits 0, 1, 2
    expect(pairs(c.takeProgress().hostCounts)).toEqual(['10:closed', '10:filtered', '11:open']);
    expect(c.takeProgress().hostCounts).toBeNull();
    c.decide(4, 'error');
    c.decide(3, 'open'); // commits 3, 4
    c.decide(5, 'closed'); // commits 5
    expect(pairs(c.takeProgress().hostCounts)).toEqual(['10:error', '11:closed', '11:open']);
  });

  it('keeps no host counts when the spec does not ask for them', () => {
    const c = ledger(3);
    for (let k = 0; k < 3; k++) c.decide(k, 'open');
    expect(c.takeProgress().hostCounts).toBeNull();
  });

  it('hands events over once and gives copies of the counts', () => {
    const c = ledger(3);
    c.event('EMFILE');
    c.event('EMFILE');
    c.event('self-connect');
    c.decide(0, 'open');
    const p = c.takeProgress();
    expect(p).toEqual({
      watermark: 1,
      committed: { open: 1, closed: 0, filtered: 0, error: 0 },
      decidedCounts: { open: 1, closed: 0, filtered: 0, error: 0 },
      cutOpen: 0,
      events: { EMFILE: 2, 'self-connect': 1 },
      hostCounts: null,
      timing: null,
      noRoute: null,
    });
    p.committed.open = 99;
    p.decidedCounts.open = 99;
    const q = c.takeProgress();
    expect(q.events).toEqual({});
    expect(q.committed.open).toBe(1);
    expect(q.decidedCounts.open).toBe(1);
  });
});
