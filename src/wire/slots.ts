/**
 * The pool-wide window, in shared memory: how many attempts are in flight in
 * every worker together (held under --concurrency), how many workers have
 * work waiting, and back-pressure from the coordinator: records posted but
 * not yet taken, and a hold while the reader is behind. A typed wrapper, so no
 * code reaches the counters by bare index.
 */

const INFLIGHT = 0;
const HUNGRY = 1;
/** Records the workers posted that the coordinator has not processed yet. */
const BACKLOG = 2;
/** 1 while the coordinator's reader (the report writer) is behind. */
const HOLD = 3;
const CELLS = 4;

/**
 * Workers start no new attempt while this many records wait for the
 * coordinator: with every record reported (--states all), the workers outrun
 * the main thread, and messages queued in the ports grew RSS by ~40 MB.
 */
export const MAX_BACKLOG = 8192;

export class SharedSlots {
  private readonly cells: Int32Array;
  /** When the coordinator's hold began (its own clock; this thread's copy only): 0 while not held. */
  private heldAt = 0;

  /** Wrap the buffer made by `SharedSlots.createBuffer()` (in any thread). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
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

  /** Worker: n records posted. */
  posted(n: number): void {
    if (n > 0) Atomics.add(this.cells, BACKLOG, n);
  }

  /** Coordinator: n posted records processed. */
  taken(n: number): void {
    if (n > 0) Atomics.sub(this.cells, BACKLOG, n);
  }

  /** Coordinator: hold the workers (the reader is behind) or let them go. */
  hold(on: boolean): void {
    Atomics.store(this.cells, HOLD, on ? 1 : 0);
    if (!on) this.heldAt = 0;
    else if (this.heldAt === 0) this.heldAt = performance.now();
  }

  /** Coordinator: how long the workers have been held for the reader, in ms (0: not held). */
  heldForMs(): number {
    return this.heldAt === 0 ? 0 : performance.now() - this.heldAt;
  }

  /** Worker: whether to start nothing new for now (the coordinator or its reader is behind). */
  held(): boolean {
    return Atomics.load(this.cells, HOLD) === 1 || Atomics.load(this.cells, BACKLOG) > MAX_BACKLOG;
  }
}
