/**
 * Positions waiting to start again: retries after a timeout, a self-connect or
 * a local error (first in line), and positions held back by a per-host rate cap
 * (at the back, each with the time it may go).
 */
import type { Pending } from './attempt.js';
import type { ChunkLedger } from './ledger.js';

export class PendingQueue {
  private items: Pending[] = [];

  get length(): number {
    return this.items.length;
  }

  /** First in line. */
  unshift(p: Pending): void {
    this.items.unshift(p);
  }

  push(p: Pending): void {
    this.items.push(p);
  }

  /** The first position that may start now (of a chunk still running), taken out of the queue. */
  takeReady(now: number): Pending | null {
    const i = this.items.findIndex((p) => p.readyAt <= now && !p.chunk.stopped);
    return i < 0 ? null : this.items.splice(i, 1)[0]!;
  }

  /** When the earliest waiting position may start (Infinity when none waits). */
  earliest(): number {
    let t = Infinity;
    for (const p of this.items) if (p.readyAt < t) t = p.readyAt;
    return t;
  }

  has(chunk: ChunkLedger): boolean {
    return this.items.some((p) => p.chunk === chunk);
  }

  drop(chunk: ChunkLedger): void {
    this.items = this.items.filter((p) => p.chunk !== chunk);
  }
}
