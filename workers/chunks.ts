/**
 * The chunks a worker holds: which one feeds the window next, and the last
 * message of each (its records, then `done`) when it ends.
 */
import type { ChunkLedger } from './ledger.js';
import type { Outbox } from './outbox.js';

export class ChunkSet {
  private list: ChunkLedger[] = [];

  constructor(private readonly outbox: Outbox) {}

  add(chunk: ChunkLedger): void {
    this.list.push(chunk);
    this.outbox.start(() => this.list);
  }

  /** The oldest chunk with positions not started yet (a loop, not find(): this runs per probe). */
  next(): ChunkLedger | undefined {
    for (const c of this.list) if (!c.stopped && !c.started) return c;
    return undefined;
  }

  /** Post every running chunk's records now. */
  flush(): void {
    for (const c of this.list) this.outbox.post(c, false);
  }

  /** A chunk is over: its last message goes out and its port closes. True when no chunk is left. */
  finish(chunk: ChunkLedger): boolean {
    chunk.finished = true;
    this.list = this.list.filter((c) => c !== chunk);
    this.outbox.post(chunk, true);
    chunk.task.port.close();
    if (this.list.length > 0) return false;
    this.outbox.stop();
    return true;
  }
}
