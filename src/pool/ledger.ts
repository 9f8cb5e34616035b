/**
 * The scan's checkpoint ledger, kept by the coordinator: which chunks are
 * complete, which are partly done and from where they continue, which to
 * (re)start next, and the counts a checkpoint may claim. It knows nothing of
 * threads; the coordinator tells it what the workers reported.
 */
import type { CheckpointState } from '../model/checkpoint.js';
import { type LocalEvents, type StateCounts, addCounts, addEvents, emptyCounts, totalOf } from '../model/states.js';
import { ShardscanError } from '../errors.js';
import type { ShardPlan } from '../shard/plan.js';

/** A chunk to start, and the offset it starts from. */
export interface ChunkStart {
  id: number;
  fromK: number;
}

export class ScanLedger {
  /** Every chunk below this id is complete. */
  private completedBelow = 0;
  /** Complete chunks at or above completedBelow. */
  private readonly completed = new Set<number>();
  /** The next chunk never started. */
  private nextChunk = 0;
  /** Chunks to (re)start before new ones: partial chunks of a checkpoint, stopped or crashed runs. */
  private readonly todo: ChunkStart[] = [];
  /** Ids a checkpoint listed as partial: the walk over new chunks must skip them. */
  private readonly resumedPartial = new Set<number>();
  /** States of committed positions (below the watermarks): what checkpoints count. */
  readonly counts: StateCounts = emptyCounts();
  /** Decided above the watermark by runs that were stopped: reported, not checkpointed. */
  readonly uncommitted: StateCounts = emptyCounts();
  readonly events: LocalEvents = {};
  /** Positions a resumed checkpoint already held. */
  readonly resumedDone: number = 0;

  constructor(private readonly plan: ShardPlan, resume?: CheckpointState) {
    if (!resume) return;
    if (resume.chunkSize !== plan.chunkSize || resume.chunks !== plan.chunks) {
      throw new ShardscanError('E_RESUME', `checkpoint was made with ${resume.chunks} chunks of ${resume.chunkSize}, this scan plans ${plan.chunks} of ${plan.chunkSize}`);
    }
    this.completedBelow = resume.completedBelow;
    this.nextChunk = resume.completedBelow;
    for (const id of resume.completed) this.completed.add(id);
    addCounts(this.counts, resume.counts);
    addEvents(this.events, resume.events);
    this.resumedDone = totalOf(resume.counts);
    for (const p of [...resume.partial].sort((a, b) => a.id - b.id)) {
      this.todo.push({ id: p.id, fromK: p.watermark });
      this.resumedPartial.add(p.id);
    }
  }

  /** The next chunk to start, or null when every chunk is running or done. */
  takeNext(): ChunkStart | null {
    const queued = this.todo.shift();
    if (queued) return queued;
    while (this.nextChunk < this.plan.chunks) {
      const id = this.nextChunk++;
      // Complete chunks leave `completed` once completedBelow passes them.
      if (id >= this.completedBelow && !this.completed.has(id) && !this.resumedPartial.has(id)) return { id, fromK: 0 };
    }
    return null;
  }

  /** Whether chunks remain to start. */
  get hasMore(): boolean {
    return this.todo.length > 0 || this.nextChunk < this.plan.chunks;
  }

  /** Every chunk is complete. */
  get complete(): boolean {
    return this.completedBelow >= this.plan.chunks;
  }

  /** A chunk to run again from `fromK`, before any new one. */
  again(id: number, fromK: number): void {
    this.todo.unshift({ id, fromK });
  }

  markComplete(id: number): void {
    this.completed.add(id);
    while (this.completed.has(this.completedBelow)) {
      this.completed.delete(this.completedBelow);
      this.completedBelow++;
    }
  }

  /** Committed counts moved from `prev` to `next` for one chunk run. */
  commit(prev: Readonly<StateCounts>, next: Readonly<StateCounts>): void {
    for (const s of Object.keys(next) as (keyof StateCounts)[]) this.counts[s] += next[s] - prev[s];
  }

  /** The checkpoint, given the watermarks of the chunks running now. */
  checkpoint(running: Iterable<ChunkStart>): CheckpointState {
    const partial: CheckpointState['partial'] = [];
    for (const r of running) partial.push({ id: r.id, watermark: r.fromK });
    for (const t of this.todo) partial.push({ id: t.id, watermark: t.fromK });
    partial.sort((a, b) => a.id - b.id);
    return {
      chunkSize: this.plan.chunkSize,
      chunks: this.plan.chunks,
      completedBelow: this.completedBelow,
      completed: [...this.completed].sort((a, b) => a - b),
      partial,
      counts: { ...this.counts },
      events: { ...this.events },
    };
  }
}
