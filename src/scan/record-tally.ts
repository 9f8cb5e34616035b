/**
 * A resume's per-host counts, for the reports that list hosts ("Not shown",
 * xml's <extraports>, grep's Ignored State): its coordinator counts only the
 * positions this run decides, so they are taken from every record the
 * reports write, the earlier runs' replayed ones too, by the rules merge
 * follows (store/merge-states.ts): exact when the scan recorded every state,
 * deduced when it is whole and complete and the records leave out one state
 * only. A resumed -oX had no <extraports> and -oG no Ignored State (helper 20).
 * Typed arrays by host index, as the coordinator's (pool/host-counts.ts): a
 * map of objects, as merge keeps, took 48 MB more for a /14's resume.
 */
import { MAX_LISTED_HOSTS } from '../config/limits.js';
import type { RecordBatch } from '../model/record.js';
import { ReasonTally } from '../model/reasons.js';
import { PORT_STATES, type PortState, type StateCounts } from '../model/states.js';
import type { PreparedScan } from '../prepare.js';
import type { HostTally } from './report-context.js';
import type { ScanRun } from './start.js';

const N = PORT_STATES.length;
const INDEX: Readonly<Record<PortState, number>> = { open: 0, closed: 1, filtered: 2, error: 3 };

/** The tally (null above MAX_LISTED_HOSTS hosts), and the records to give the reports in place of `run.records`. */
export function recordTally(prep: PreparedScan, run: ScanRun): { view: HostTally; records: AsyncIterable<RecordBatch> } | null {
  const { targets } = prep;
  if (targets.count > MAX_LISTED_HOSTS) return null;
  // A host has at most 65,535 ports, each recorded once: 16 bits do, 8 for up to 255 ports (as pool/host-counts.ts).
  const counts = prep.ports.count <= 255 ? new Uint8Array(targets.count * N) : new Uint16Array(targets.count * N);
  const reasons = new ReasonTally<number>();
  const recorded = prep.config.states;
  const every = PORT_STATES.every((s) => recorded.includes(s));
  /** The state of every position not recorded and a host's ports, once the scan is known whole and complete. */
  let rest: { state: number; ports: number } | null = null;
  const known = (): boolean => every || rest !== null;
  const at = (host: string): StateCounts | null => {
    const i = targets.indexOf(host);
    if (i < 0 || !known()) return null;
    const b = i * N;
    const c = { open: counts[b]!, closed: counts[b + 1]!, filtered: counts[b + 2]!, error: counts[b + 3]! };
    if (rest !== null) c[PORT_STATES[rest.state]!] = rest.ports - (c.open + c.closed + c.filtered + c.error);
    return c;
  };
  const view: HostTally = {
    hostCounts: at,
    hostReasons(host) {
      const c = every ? at(host) : null; // the reasons of what was not recorded are unknown
      return c === null ? null : reasons.of(targets.indexOf(host), c);
    },
  };
  async function* records(): AsyncGenerator<RecordBatch> {
    for await (const batch of run.records) {
      for (const r of batch.records()) {
        const i = targets.indexOf(r.host);
        if (i < 0) continue;
        counts[i * N + INDEX[r.state]]!++;
        reasons.add(i, r.state, r.reason);
      }
      yield batch;
    }
    // The records end when the scan has: its summary's counts are the whole scan's, the earlier runs' included.
    const s = run.summary();
    const unrecorded = PORT_STATES.filter((st) => !recorded.includes(st));
    const present = unrecorded.filter((st) => s.counts[st] > 0);
    const whole = s.status === 'complete' && prep.config.shard.total === 1;
    if (!every && whole && present.length <= 1) rest = { state: INDEX[present[0] ?? unrecorded[0]!], ports: prep.ports.count };
  }
  return { view, records: records() };
}
