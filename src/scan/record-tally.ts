/**
 * A resume's per-host counts, for the reports that list hosts ("Not shown",
 * xml's <extraports>, grep's Ignored State): its coordinator counts only the
 * positions this run decides, so they are taken from every record the
 * reports write, the earlier runs' replayed ones too, in the coordinator's
 * own HostCounts, by the rule merge follows (restState): exact when the scan
 * recorded every state, deduced when it is whole and complete and the
 * records leave out one state only. A resumed -oX had no <extraports> and
 * -oG no Ignored State (helper 20); merge's map of objects took a /14's
 * resume from 113 to 161 MB.
 */
import type { RecordBatch } from '../model/record.js';
import { PORT_STATES, type PortState } from '../model/states.js';
import { HostCounts } from '../pool/host-counts.js';
import type { PreparedScan } from '../prepare.js';
import { restState } from '../store/merge-states.js';
import type { HostTally } from './report-context.js';
import type { ScanRun } from './start.js';

/** The tally (null above HostCounts' limit of hosts), and the records to give the reports in place of `run.records`. */
export function recordTally(prep: PreparedScan, run: ScanRun): { view: HostTally; records: AsyncIterable<RecordBatch> } | null {
  const { targets, ports } = prep;
  const made = HostCounts.create(targets, ports.count);
  if (made === null) return null;
  const counts = made;
  const recorded = prep.config.states;
  const every = PORT_STATES.every((s) => recorded.includes(s));
  /** The state of every position not recorded, once the scan is known whole and complete. */
  let rest: PortState | null = null;
  const view: HostTally = {
    hostCounts(host) {
      const c = every || rest !== null ? counts.get(host) : null;
      if (c !== null && rest !== null) c[rest] = ports.count - (c.open + c.closed + c.filtered + c.error);
      return c;
    },
    // The reasons of what was not recorded are unknown.
    hostReasons: (host) => (every ? counts.reasonsOf(host) : null),
  };
  async function* records(): AsyncGenerator<RecordBatch> {
    for await (const batch of run.records) {
      for (const r of batch.records()) {
        const i = targets.indexOf(r.host);
        if (i >= 0) counts.count(i, r.state, r.reason);
      }
      yield batch;
    }
    // The records end when the scan has: its summary's counts are the whole scan's, the earlier runs' included.
    const s = run.summary();
    if (!every && s.status === 'complete' && prep.config.shard.total === 1) rest = restState(recorded, s.counts);
  }
  return { view, records: records() };
}
