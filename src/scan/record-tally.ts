/**
 * A resume's per-host counts, for the reports that list hosts ("Not shown",
 * xml's <extraports>, grep's Ignored State): its coordinator counts only the
 * positions this run decides, so they are taken from every record the
 * reports write, the earlier runs' replayed ones too, as merge takes them
 * (store/merge-states.ts): exact when the scan recorded every state, deduced
 * when it is whole and complete and the records leave out one state only.
 * A resumed -oX had no <extraports> and -oG no Ignored State (helper 20).
 */
import type { RecordBatch } from '../model/record.js';
import type { PreparedScan } from '../prepare.js';
import { mergeView } from '../store/merge-states.js';
import type { HostTally } from './report-context.js';
import type { ScanRun } from './start.js';

/** The tally, and the records to give the reports in place of `run.records` (each counted as it passes). */
export function recordTally(prep: PreparedScan, run: ScanRun): { view: HostTally; records: AsyncIterable<RecordBatch> } {
  const view = mergeView(prep.config.states, undefined);
  async function* records(): AsyncGenerator<RecordBatch> {
    for await (const batch of run.records) {
      for (const r of batch.records()) view.keep(r);
      yield batch;
    }
    // The records end when the scan has: its summary's counts are the whole scan's, the earlier runs' included.
    const s = run.summary();
    view.knowTotals(s.counts, s.status === 'complete' && prep.config.shard.total === 1, prep.ports.count);
  }
  return { view, records: records() };
}
