/**
 * PendingQueue (workers/pending.ts): positions waiting to start again. Retries
 * go first in line, held-back positions wait at the back until their time, and
 * positions of a stopped chunk are never handed out.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_TRY, type Pending } from '../workers/attempt.js';
import type { ChunkLedger } from '../workers/ledger.js';
import { PendingQueue } from '../workers/pending.js';

/** The queue reads only `stopped` of a chunk (and advances it when it holds a new position). */
const chunk = (): ChunkLedger => {
  const c = { stopped: false, nextK: 0, advance: () => void c.nextK++ };
  return c as unknown as ChunkLedger;
};
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
    // A stopped chunk's positions are discarded as they are met.
    expect([q.length, q.has(a), q.has(b)]).toEqual([0, false, false]);
    q.push(pending(a, 4));
    q.push({ ...pending(a, 5), readyAt: 10 });
    a.stopped = false;
    q.drop(a);
    expect([q.length, q.has(a)]).toEqual([0, false]);
  });

  it('releases held positions in readyAt order, whatever the order they were held in', () => {
    const a = chunk();
    const q = new PendingQueue();
    for (const t of [50, 10, 40, 20, 30]) q.push({ ...pending(a, t), readyAt: t });
    expect(q.held).toBe(5);
    expect(q.earliest()).toBe(10);
    expect(q.takeReady(25)?.k).toBe(10);
    expect(q.takeReady(25)?.k).toBe(20);
    expect(q.takeReady(25)).toBeNull();
    expect([30, 40, 50].map(() => q.takeReady(100)?.k)).toEqual([30, 40, 50]);
  });

  it('holds a new position only while fewer than 1,024 are held, and advances its chunk', () => {
    const a = chunk();
    const q = new PendingQueue();
    for (let k = 0; k < 1024; k++) expect(q.hold(a, k, null, 5)).toBe(true);
    expect(a.nextK).toBe(1024);
    expect(q.hold(a, 1024, null, 5)).toBe(false);
    expect(a.nextK).toBe(1024);
    // A retry is always taken back (it is already out of the walk).
    expect(q.hold(a, 7, pending(a, 7), 5)).toBe(true);
  });
});
