/**
 * A queue between the coordinator (which pushes batches synchronously) and a
 * writer (which pulls with `for await`). Past `highWater` queued records it
 * reports `full`, and the coordinator stops starting new chunks until the
 * writer catches up: memory stays bounded when stdout is slow.
 */
import type { RecordBatch } from '../model/record.js';

export class RecordChannel implements AsyncIterable<RecordBatch> {
  private queue: RecordBatch[] = [];
  private queued = 0;
  private closed = false;
  private wake: (() => void) | null = null;
  private drained: (() => void) | null = null;
  /** Producers that wait for room (see room()). */
  private waiting: (() => void)[] = [];
  readonly highWater: number;

  constructor(highWater = 50_000, onDrain?: () => void) {
    this.highWater = highWater;
    this.drained = onDrain ?? null;
  }

  get full(): boolean {
    return this.queued >= this.highWater;
  }

  push(batch: RecordBatch): void {
    if (this.closed) throw new Error('RecordChannel: push after close');
    if (batch.length === 0) return;
    this.queue.push(batch);
    this.queued += batch.length;
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
    this.makeRoom();
  }

  /** Resolves once the queue is below its high-water mark (or closed): for a producer that can wait, as a resume's replay. */
  room(): Promise<void> {
    if (!this.full || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Let every producer waiting in room() go on (the scan stops: a writer that failed reads no more). */
  makeRoom(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  /** Batches in arrival order (a writer turns each into one write). */
  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch) {
        const wasFull = this.full;
        this.queued -= batch.length;
        if (wasFull && !this.full) {
          this.drained?.();
          this.makeRoom();
        }
        yield batch;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
