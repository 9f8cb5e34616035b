/**
 * Positions waiting to start again: retries after a timeout, a self-connect or
 * a local error (ready at once, first in line), and positions held back until
 * a time (a host at its window, its pacing or its --host-rate cap), kept in a
 * heap by that time so taking the next ready one is O(log n) however many wait.
 */
import { FIRST_TRY, type Pending } from './attempt.js';
import type { ChunkLedger } from './ledger.js';

/** Positions this worker holds back at most (busy hosts and held retries together); then filling waits. */
const MAX_HELD = 1024;

export class PendingQueue {
  /** Ready now, in order. */
  private now: Pending[] = [];
  /** Held until readyAt: a binary min-heap on readyAt. */
  private later: Pending[] = [];

  get length(): number {
    return this.now.length + this.later.length;
  }

  /** Positions held back until a time (not counting retries ready now). */
  get held(): number {
    return this.later.length;
  }

  /** First in line. */
  unshift(p: Pending): void {
    if (p.readyAt > 0) this.push(p);
    else this.now.unshift(p);
  }

  /** In line after the others ready now, or held until its readyAt. */
  push(p: Pending): void {
    if (p.readyAt <= 0) {
      this.now.push(p);
      return;
    }
    const h = this.later;
    let i = h.length;
    h.push(p);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.readyAt <= p.readyAt) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = p;
  }

  /**
   * Put a position aside until `readyAt`: a retry, or the chunk's next
   * position (which then leaves the chunk's walk). False when too many are
   * held already: the caller stops filling for now.
   */
  hold(chunk: ChunkLedger, k: number, retry: Pending | null, readyAt: number): boolean {
    if (retry) {
      this.push({ ...retry, readyAt });
      return true;
    }
    if (this.later.length >= MAX_HELD) return false;
    chunk.advance();
    this.push({ chunk, k, history: FIRST_TRY, readyAt });
    return true;
  }

  /** The first position that may start now (of a chunk still running), taken out of the queue. */
  takeReady(now: number): Pending | null {
    while (this.now.length > 0) {
      const p = this.now.shift()!;
      if (!p.chunk.stopped) return p;
    }
    while (this.later.length > 0 && this.later[0]!.readyAt <= now) {
      const p = this.popLater();
      if (!p.chunk.stopped) return p;
    }
    return null;
  }

  /** When the earliest waiting position may start (Infinity when none waits). */
  earliest(): number {
    if (this.now.length > 0) return 0;
    return this.later.length > 0 ? this.later[0]!.readyAt : Infinity;
  }

  has(chunk: ChunkLedger): boolean {
    return this.now.some((p) => p.chunk === chunk) || this.later.some((p) => p.chunk === chunk);
  }

  drop(chunk: ChunkLedger): void {
    this.now = this.now.filter((p) => p.chunk !== chunk);
    const keep = this.later.filter((p) => p.chunk !== chunk);
    this.later = [];
    for (const p of keep) this.push(p);
  }

  private popLater(): Pending {
    const h = this.later;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.readyAt < h[l]!.readyAt ? r : l;
        if (h[c]!.readyAt >= last.readyAt) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
