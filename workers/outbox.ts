/**
 * Posts what the chunks found to the coordinator: a batch when a chunk holds
 * BATCH_RECORDS records, every chunk at least every FLUSH_MS, and a final
 * message when a chunk is done. Records go as packed batches (src/wire/records.ts).
 */
import type { ProbeEngine } from '../src/model/scan.js';
import type { WorkerMessage } from '../src/wire/messages.js';
import type { ChunkLedger } from './ledger.js';

/** Records per message; larger batches cost less per record, smaller ones stream sooner. */
export const BATCH_RECORDS = 512;
/** Progress and records are flushed at least this often while a chunk runs. */
const FLUSH_MS = 100;

export class Outbox {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly engine: () => ProbeEngine,
    /** Told how many records each message carries (back-pressure, see SharedSlots). */
    private readonly posted: (n: number) => void,
    /** The worker's timing statistics since the last message (any chunk's message carries them). */
    private readonly timing: () => number[] | null = () => null,
  ) {}

  /** Post the chunk's records if a batch is full. */
  maybePost(chunk: ChunkLedger): void {
    if (chunk.records.length >= BATCH_RECORDS) this.post(chunk, false);
  }

  post(chunk: ChunkLedger, done: boolean): void {
    const records = chunk.records.take();
    const progress = chunk.takeProgress(this.timing(), done);
    this.posted(records.n);
    const msg: WorkerMessage = done ? { t: 'done', records, progress, engine: this.engine() } : { t: 'batch', records, progress };
    chunk.task.port.postMessage(msg);
  }

  /** Flush every running chunk every FLUSH_MS, until stop(). */
  start(chunks: () => Iterable<ChunkLedger>): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      // Only chunks with news: a worker may hold dozens, most of them waiting.
      for (const c of chunks()) if (c.changed) this.post(c, false);
    }, FLUSH_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
