/**
 * PendingQueue (workers/pending.ts): positions waiting to start again. Retries
 * go first in line, held-back positions wait at the back until their time, and
 * positions of a stopped chunk are never handed out.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_TRY, type Pending } from '../workers/attempt.js';
import type { ChunkLedger } from '../workers/ledger.js';
import { PendingQueue } from '../workers/pending.js';

/** The queue reads only `stopped` of a chunk. */
const chunk = (): ChunkLedger => ({ stopped: false }) as ChunkLedger;
const pending = (c: ChunkLedger, k: number, readyAt = 0): Pending => ({ chunk: c, k, history: FIRST_TRY, readyAt });

describe('PendingQueue', () => {
  it('hands out ready positions in queue order, retries (unshift) first', () => {
    const c = chunk();
    const q = new PendingQueue();
    q.push(pending(c, 1));
    q.push(pending(c, 2));
    q.unshift(pending(c, 0));
    const out: number[] = [];
    for (let p = q.takeReady(0); p; p = q.takeReady(0)) out.push(p.k);
    expect(out).toEqual([0, 1, 2]);
    expect(q.length).toBe(0);
  });

  it('holds a position back until its time, letting later ready ones pass', () => {
    const c = chunk();
    const q = new PendingQueue();
    q.push(pending(c, 1, 50));
    q.push(pending(c, 2, 10));
    expect(q.earliest()).toBe(10);
    expect(q.takeReady(9)).toBeNull();
    expect(q.takeReady(10)?.k).toBe(2);
    expect(q.takeReady(49)).toBeNull();
    expect(q.earliest()).toBe(50);
    expect(q.takeReady(50)?.k).toBe(1);
    expect(q.earliest()).toBe(Infinity);
  });

  it('skips positions of a stopped chunk, and drops a chunk entirely', () => {
    const a = chunk();
    const b = chunk();
    const q = new PendingQueue();
    q.push(pending(a, 1));
    q.push(pending(b, 2));
    q.push(pending(a, 3));
    a.stopped = true;
    expect(q.takeReady(0)?.k).toBe(2);
    expect(q.takeReady(0)).toBeNull();
    expect([q.length, q.has(a), q.has(b)]).toEqual([2, true, false]);
    q.drop(a);
    expect([q.length, q.has(a)]).toEqual([0, false]);
  });
});
