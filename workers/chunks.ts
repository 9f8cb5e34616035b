/**
 * The chunks a worker holds: which one feeds the window next, and the last
 * message of each (its records, then `done`) when it ends.
 */
import type { WorkerMessage } from '../src/wire/messages.js';
import type { ChunkLedger } from './ledger.js';
import type { Outbox } from './outbox.js';

export class ChunkSet {
  private list: ChunkLedger[] = [];
  /** Chunks before this index have no position left to start (a chunk never gets one back). */
  private cursor = 0;
  /** askForMore() was posted since the last chunk came. */
  private asked = false;

  constructor(private readonly outbox: Outbox) {}

  add(chunk: ChunkLedger): void {
    this.list.push(chunk);
    this.asked = false;
    this.outbox.start(() => this.list);
  }

  /**
   * The oldest chunk with positions not started yet. It runs per probe, and a
   * worker may hold dozens of chunks (a wide window fills from many small
   * tail chunks): the cursor skips the exhausted ones for good, where a scan
   * from the front cost a fifth of loopback's throughput.
   */
  next(): ChunkLedger | undefined {
    const list = this.list;
    while (this.cursor < list.length) {
      const c = list[this.cursor]!;
      if (!c.stopped && !c.started) return c;
      this.cursor++;
    }
    return undefined;
  }

  /** Tell the coordinator, once per chunk received, that this worker could start more than it holds. */
  askForMore(): void {
    if (this.asked) return;
    const last = this.list[this.list.length - 1];
    if (!last || last.stopped) return;
    this.asked = true;
    last.task.port.postMessage({ t: 'hungry' } satisfies WorkerMessage);
  }

  /** Post every running chunk's records now. */
  flush(): void {
    for (const c of this.list) this.outbox.post(c, false);
  }

  /** A chunk is over: its last message goes out and its port closes. True when no chunk is left. */
  finish(chunk: ChunkLedger): boolean {
    chunk.finished = true;
    const i = this.list.indexOf(chunk);
    this.list.splice(i, 1);
    if (i < this.cursor) this.cursor--;
    this.outbox.post(chunk, true);
    chunk.task.port.close();
    if (this.list.length > 0) return false;
    this.outbox.stop();
    return true;
  }
}
