/**
 * The pool-wide window, in shared memory: how many attempts are in flight in
 * every worker together (held under --concurrency), and how many workers have
 * work waiting. A typed wrapper, so no code reaches the counters by bare index.
 */

const INFLIGHT = 0;
const HUNGRY = 1;

export class SharedSlots {
  private readonly cells: Int32Array;

  /** Wrap the buffer made by `SharedSlots.create()` (in any thread). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Reserve one slot if fewer than `limit` are taken. */
  take(limit: number): boolean {
    if (Atomics.add(this.cells, INFLIGHT, 1) < limit) return true;
    Atomics.sub(this.cells, INFLIGHT, 1);
    return false;
  }

  give(n = 1): void {
    Atomics.sub(this.cells, INFLIGHT, n);
  }

  inflight(): number {
    return Atomics.load(this.cells, INFLIGHT);
  }

  /** One worker more (or fewer) has work waiting. */
  hungry(delta: 1 | -1): void {
    Atomics.add(this.cells, HUNGRY, delta);
  }

  hungryWorkers(): number {
    return Atomics.load(this.cells, HUNGRY);
  }
}
