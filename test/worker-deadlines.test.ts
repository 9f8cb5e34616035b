/**
 * DeadlineHeap (workers/deadlines.ts): the attempts in flight, earliest
 * deadline first. Checked against a plain list model over long random runs of
 * push / remove / pop, with the heap's position bookkeeping checked after
 * every step.
 */
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type Timed } from '../workers/deadlines.js';
import { rng } from './helpers/prng.js';

interface Item extends Timed {
  id: number;
}

const item = (id: number, deadline: number): Item => ({ id, deadline, heapIndex: -1 });

/**
 * Every structural promise of the heap; returns a description of the first
 * broken one, or null. `outside` are items to check are out of the heap
 * (heapIndex -1) when the model says so.
 */
function broken(heap: DeadlineHeap<Item>, model: ReadonlySet<Item>, outside: readonly Item[]): string | null {
  const items = heap.snapshot();
  if (items.length !== model.size || heap.size !== model.size) return `size ${heap.size}/${items.length}, model ${model.size}`;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (!model.has(it)) return `item ${it.id} in the heap but removed`;
    if (it.heapIndex !== i) return `item ${it.id} at ${i} says heapIndex ${it.heapIndex}`;
    if (i > 0 && items[(i - 1) >> 1]!.deadline > it.deadline) return `heap order broken at ${i}`;
  }
  for (const it of outside) if (!model.has(it) && it.heapIndex !== -1) return `item ${it.id} out of the heap has heapIndex ${it.heapIndex}`;
  let min = Infinity;
  for (const it of model) min = Math.min(min, it.deadline);
  const top = heap.peek();
  if ((top?.deadline ?? Infinity) !== min) return `peek ${top?.deadline} but earliest is ${min}`;
  return null;
}

describe('DeadlineHeap', () => {
  it.each([1, 2, 3, 42, 1234])('matches a list model over 5,000 random operations (seed %i)', (seed) => {
    const r = rng(seed);
    const heap = new DeadlineHeap<Item>();
    const model = new Set<Item>();
    const all: Item[] = [];
    // Few distinct deadlines, so ties are common; sometimes increasing ones (the common case).
    let clock = 0;
    for (let op = 0; op < 5000; op++) {
      let touched: Item | undefined;
      const roll = r.int(10);
      if (roll < 5 || model.size === 0) {
        const deadline = r.int(3) === 0 ? (clock += r.int(3)) : r.int(50);
        const it = item(all.length, deadline);
        all.push(it);
        heap.push(it);
        model.add(it);
      } else if (roll < 8) {
        // Remove any item ever made: in the heap, or already gone (a no-op).
        const it = (touched = r.pick(all));
        heap.remove(it);
        model.delete(it);
      } else {
        const top = (touched = heap.pop()!);
        let min = Infinity;
        for (const m of model) min = Math.min(min, m.deadline);
        expect({ op, deadline: top.deadline, inModel: model.has(top) }).toEqual({ op, deadline: min, inModel: true });
        model.delete(top);
      }
      // Every item's bookkeeping now and then; the one just taken out, every time.
      const problem = broken(heap, model, op % 64 === 63 ? all : touched ? [touched] : []);
      if (problem !== null) expect.fail(`seed ${seed}, op ${op}: ${problem}`);
    }
  });

  it('pops in deadline order, whatever the push order', () => {
    const r = rng(7);
    const heap = new DeadlineHeap<Item>();
    const deadlines = Array.from({ length: 2000 }, () => r.int(500));
    deadlines.forEach((d, i) => heap.push(item(i, d)));
    const out: number[] = [];
    for (let it = heap.pop(); it; it = heap.pop()) out.push(it.deadline);
    expect(out).toEqual([...deadlines].sort((a, b) => a - b));
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });

  it('gives every item of equal deadlines exactly once', () => {
    const heap = new DeadlineHeap<Item>();
    const items = Array.from({ length: 100 }, (_, i) => item(i, 5));
    for (const it of items) heap.push(it);
    heap.remove(items[10]!);
    heap.remove(items[99]!);
    heap.remove(items[0]!);
    const seen: number[] = [];
    for (let it = heap.pop(); it; it = heap.pop()) {
      seen.push(it.id);
      expect(it.heapIndex).toBe(-1);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(items.map((i) => i.id).filter((id) => ![0, 10, 99].includes(id)));
  });

  it('treats removing an item that is not in the heap as a no-op', () => {
    const heap = new DeadlineHeap<Item>();
    const inside = [item(0, 3), item(1, 1), item(2, 2)];
    for (const it of inside) heap.push(it);
    heap.remove(item(9, 0)); // never pushed (heapIndex -1)
    const popped = heap.pop()!;
    heap.remove(popped); // already taken out
    // An item of another heap whose heapIndex points at an occupied slot here.
    const other = new DeadlineHeap<Item>();
    const stranger = item(8, 0);
    other.push(item(7, 5));
    other.push(stranger);
    expect(stranger.heapIndex).toBe(0);
    heap.remove(stranger);

    expect(popped.id).toBe(1);
    expect(heap.size).toBe(2);
    expect(heap.snapshot().map((i) => i.id).sort()).toEqual([0, 2]);
    expect(heap.peek()!.id).toBe(2);
    expect(stranger.heapIndex).toBe(0); // untouched: it belongs to the other heap
  });

  it('takes out the last element without disturbing the rest', () => {
    const heap = new DeadlineHeap<Item>();
    const items = [item(0, 1), item(1, 2), item(2, 3), item(3, 4)];
    for (const it of items) heap.push(it);
    heap.remove(items[3]!);
    expect(heap.snapshot().map((i) => i.id)).toEqual([0, 1, 2]);
    expect(items.map((i) => i.heapIndex)).toEqual([0, 1, 2, -1]);
  });

  it('snapshot is a copy: removing while walking it visits every item', () => {
    const heap = new DeadlineHeap<Item>();
    for (let i = 0; i < 50; i++) heap.push(item(i, i % 7));
    const visited: number[] = [];
    for (const it of heap.snapshot()) {
      visited.push(it.id);
      heap.remove(it);
    }
    expect(visited.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(heap.size).toBe(0);
  });
});
