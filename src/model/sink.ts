/**
 * Where a scan's output goes. The coordinator calls a sink synchronously and
 * in order; sinks are composed with `tee`, so the report, the shard directory
 * and the library's iterator are wired the same way.
 */
import type { CheckpointState } from './checkpoint.js';
import type { RecordBatch } from './record.js';

export interface ScanSink {
  /** Records as they arrive. May throw (a full disk): the scan then stops and reports it. */
  records(batch: RecordBatch): void;
  /** A checkpoint that covers only records already given to `records`. */
  checkpoint?(state: CheckpointState): void;
  /** True while the consumer is behind: no new chunks are started until it is false. */
  paused?(): boolean;
}

/**
 * One sink that feeds several, in the order given. A sink that throws stops
 * the ones after it from seeing that batch; put the one that must not miss a
 * record (the user's report) first.
 */
export function tee(...sinks: readonly (ScanSink | null | undefined)[]): ScanSink {
  const list = sinks.filter((s): s is ScanSink => s != null);
  const checkpoints = list.filter((s) => s.checkpoint);
  const pausers = list.filter((s) => s.paused);
  return {
    records(batch) {
      for (const s of list) s.records(batch);
    },
    checkpoint: checkpoints.length === 0 ? undefined : (state) => {
      for (const s of checkpoints) s.checkpoint!(state);
    },
    paused: pausers.length === 0 ? undefined : () => pausers.some((s) => s.paused!()),
  };
}
