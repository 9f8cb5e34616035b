/**
 * Window (workers/window.ts): how many attempts one worker may keep in flight,
 * over the pool-wide SharedSlots. Its share, borrowing while no other worker
 * waits, the shrink and back-off after a local error and the growth back, the
 * pool-wide slot count, and the coordinator's hold.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BACKLOG, SharedSlots } from '../src/wire/slots.js';
import { Window } from '../workers/window.js';

/** The largest `inflight` for which the window is not at its limit, plus one: its current limit. */
function limitOf(w: Window): number {
  let n = 0;
  while (!w.atLimit(n)) n++;
  return n;
}

describe('Window: share and borrowing', () => {
  it('always has room below its share, and a share of at least one', () => {
    const w = new Window(8, SharedSlots.createBuffer(), 100);
    for (let i = 0; i < 8; i++) expect(w.hasRoom(i)).toBe(true);
    expect(limitOf(w)).toBe(8);
    expect(limitOf(new Window(0, SharedSlots.createBuffer(), 100))).toBe(1);
  });

  it('borrows beyond its share only while no other worker has work waiting', () => {
    const buf = SharedSlots.createBuffer();
    const me = new Window(4, buf, 100);
    const other = new Window(4, buf, 100);
    expect(me.hasRoom(4)).toBe(true);
    expect(me.hasRoom(50)).toBe(true);

    me.setHungry(true); // our own hunger does not count against us
    expect(me.hasRoom(50)).toBe(true);

    other.setHungry(true);
    expect(new SharedSlots(buf).hungryWorkers()).toBe(2);
    expect(me.hasRoom(3)).toBe(true);
    expect(me.hasRoom(4)).toBe(false);

    other.setHungry(false);
    expect(me.hasRoom(4)).toBe(true);
    me.setHungry(false);
    // A second worker waiting while we are not: we are held to our share.
    other.setHungry(true);
    expect(me.hasRoom(4)).toBe(false);
  });

  it('publishes hunger once per change', () => {
    const buf = SharedSlots.createBuffer();
    const w = new Window(4, buf, 100);
    w.setHungry(true);
    w.setHungry(true);
    expect(new SharedSlots(buf).hungryWorkers()).toBe(1);
    w.setHungry(false);
    w.setHungry(false);
    expect(new SharedSlots(buf).hungryWorkers()).toBe(0);
  });
});

describe('Window: local errors', () => {
  it('shrinks to three quarters of what was in flight, never below one, and stops borrowing', () => {
    const w = new Window(16, SharedSlots.createBuffer(), 100);
    w.onLocalError(10, 0);
    expect(limitOf(w)).toBe(8); // floor((10 + 1) * 0.75)
    expect(w.hasRoom(7)).toBe(true);
    expect(w.hasRoom(8)).toBe(false); // nobody else hungry, but a shrunk window does not borrow
    w.onLocalError(100, 0); // never grows on an error
    expect(limitOf(w)).toBe(8);
    w.onLocalError(0, 0);
    expect(limitOf(w)).toBe(1);
  });

  it('backs off 2 ms, doubling per error up to 500 ms', () => {
    const w = new Window(16, SharedSlots.createBuffer(), 100);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      w.onLocalError(16, 1000);
      waits.push(w.backoffLeft(1000));
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 500, 500]);
    expect(w.backoffLeft(1499)).toBe(1);
    expect(w.backoffLeft(1500)).toBe(0);
    expect(w.backoffLeft(5000)).toBe(0);
  });

  it('lets the back-off fade as positions are decided', () => {
    const w = new Window(16, SharedSlots.createBuffer(), 100);
    w.onLocalError(16, 0);
    w.onLocalError(16, 0); // 4 ms
    w.onDecided(); // 3.6
    w.onLocalError(16, 0);
    expect(w.backoffLeft(0)).toBeCloseTo(7.2, 9);
    for (let i = 0; i < 100; i++) w.onDecided(); // fades to nothing
    w.onLocalError(16, 0);
    expect(w.backoffLeft(0)).toBe(2);
  });

  it('grows back by one per 16 decisions, up to its share and no further', () => {
    const w = new Window(16, SharedSlots.createBuffer(), 100);
    w.onLocalError(10, 0); // 8
    const limits: number[] = [];
    for (let i = 1; i <= 8 * 16 + 100; i++) {
      w.onDecided();
      if (i % 16 === 15 || i % 16 === 0) limits.push(limitOf(w));
    }
    // After 15 decisions still 8, after 16 it is 9, ... until 16.
    expect(limits.slice(0, 16)).toEqual([8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16]);
    expect(limitOf(w)).toBe(16);
    expect(w.hasRoom(16)).toBe(true); // back at its share: may borrow again
  });

  it('starts the growth count over after another error', () => {
    const w = new Window(16, SharedSlots.createBuffer(), 100);
    w.onLocalError(10, 0); // 8
    for (let i = 0; i < 15; i++) w.onDecided();
    w.onLocalError(1000, 0); // limit unchanged, credit lost
    for (let i = 0; i < 15; i++) w.onDecided();
    expect(limitOf(w)).toBe(8);
    w.onDecided();
    expect(limitOf(w)).toBe(9);
  });
});

describe('Window: the pool-wide window', () => {
  it('lets all workers together take at most --concurrency slots', () => {
    const buf = SharedSlots.createBuffer();
    const a = new Window(4, buf, 5);
    const b = new Window(4, buf, 5);
    const taken: boolean[] = [];
    for (let i = 0; i < 6; i++) taken.push(a.takeSlot(), b.takeSlot());
    expect(taken.filter(Boolean)).toHaveLength(5);
    expect(new SharedSlots(buf).inflight()).toBe(5);
    expect(a.takeSlot()).toBe(false);
    b.giveSlot();
    expect(a.takeSlot()).toBe(true);
    expect(b.takeSlot()).toBe(false);
    a.giveSlot(5);
    expect(new SharedSlots(buf).inflight()).toBe(0);
  });

  it('is held while the coordinator holds it or more than MAX_BACKLOG records wait', () => {
    const buf = SharedSlots.createBuffer();
    const w = new Window(4, buf, 5);
    const coordinator = new SharedSlots(buf);
    expect(w.held()).toBe(false);

    w.posted(MAX_BACKLOG);
    expect(w.held()).toBe(false);
    w.posted(1);
    expect(w.held()).toBe(true);
    coordinator.taken(1);
    expect(w.held()).toBe(false);
    w.posted(0);
    w.posted(-5); // nothing posted: no change
    expect(w.held()).toBe(false);
    coordinator.taken(MAX_BACKLOG);

    coordinator.hold(true);
    expect(w.held()).toBe(true);
    coordinator.hold(false);
    expect(w.held()).toBe(false);
  });
});
