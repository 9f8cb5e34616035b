/**
 * The scan's checkpoint ledger, kept by the coordinator: which chunks are
 * complete, which are partly done and from where they continue, which to
 * (re)start next, and the counts a checkpoint may claim. It knows nothing of
 * threads; the coordinator tells it what the workers reported.
 */
import { type CheckpointState, type OffsetRanges, rangesFrom } from '../model/checkpoint.js';
import { type LocalEvents, type StateCounts, addCounts, addEvents, diffCounts, emptyCounts, totalOf } from '../model/states.js';
import { ShardscanError } from '../errors.js';
import type { ScanSink } from '../model/sink.js';
import type { ShardPlan } from '../shard/plan.js';
import type { ChunkRun } from './chunk-run.js';

/** A chunk to start, the offset it starts from, and the offsets an earlier run decided (those below fromK are covered anyway; a checkpoint lists the rest). */
export interface ChunkStart {
  id: number;
  fromK: number;
  skip: OffsetRanges;
}

/**
 * Whether a checkpoint may still be written after `failure`: with none, and
 * after a chunk that kept failing (E_WORKER: what it found is reported, not
 * checkpointed, as setAside does for any crashed run), not after a failure of
 * a sink, whose records may be missing. Without a last checkpoint, a resume
 * after E_WORKER probed again everything since the one before (25,792 of
 * 45,568 records in an audit's run).
 */
export function checkpointSound(failure: unknown): boolean {
  return failure === null || (failure instanceof ShardscanError && failure.code === 'E_WORKER');
}

/**
 * One checkpoint more, at once, after a sink's failure that vouches for its directory (checkpointable: a full disk
 * under the shard directory, store/reserve.ts), before any run is set aside: what a stopped run passed on did
 * not all reach the file, so no later one is sound. Where even this one fails, the one before stands.
 */
export function lastCheckpoint(sink: ScanSink, state: () => CheckpointState): void {
  try {
    sink.checkpoint?.(state());
  } catch {
    // No room even so: the last periodic checkpoint stays true, and covers less.
  }
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
  /** Open ports of stopped chunks whose banner reads the stop cut (in `uncommitted.open`). */
  private cut = 0;
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
      this.todo.push({ id: p.id, fromK: p.watermark, skip: p.done ?? [] });
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
      if (id >= this.completedBelow && !this.completed.has(id) && !this.resumedPartial.has(id)) return { id, fromK: 0, skip: [] };
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

  /** A chunk to run again from `fromK`, before any new one, but for the offsets in `skip`. */
  again(id: number, fromK: number, skip: OffsetRanges): void {
    this.todo.unshift({ id, fromK, skip });
  }

  /**
   * A run that stopped short. When its last message listed what it decided
   * above its watermark (their records passed on with it), a checkpoint keeps
   * those too and the next run skips them; otherwise (it crashed, or did not
   * answer the stop in time) they are reported, not checkpointed, and probed again.
   */
  setAside(run: ChunkRun): void {
    const extra = diffCounts(run.decidedCounts, run.committed);
    if (run.above !== null) addCounts(this.counts, extra);
    else addCounts(this.uncommitted, extra);
    // Banner reads the stop cut: reported open, never checkpointed (a resume reads them again).
    this.uncommitted.open += run.cutOpen;
    this.cut += run.cutOpen;
    this.again(run.bounds.id, run.watermark, run.above ?? run.skip);
  }

  /** Open ports reported whose banner reads a stop cut: those of stopped chunks, and of `active` ones so far. */
  cutReads(active: Iterable<ChunkRun>): number {
    let n = this.cut;
    for (const run of active) n += run.cutOpen;
    return n;
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
    for (const r of [...running, ...this.todo]) {
      const done = rangesFrom(r.skip, r.fromK);
      partial.push(done.length > 0 ? { id: r.id, watermark: r.fromK, done } : { id: r.id, watermark: r.fromK });
    }
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
