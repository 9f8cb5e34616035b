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
  }

  /** Batches in arrival order (a writer turns each into one write). */
  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    for (;;) {
      const batch = this.queue.shift();
      if (batch) {
        const wasFull = this.full;
        this.queued -= batch.length;
        if (wasFull && !this.full) this.drained?.();
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
