/**
 * `merge --states`: which of the records in shard directories a merge
 * writes. A merge can only narrow what the scan recorded (its --states at
 * scan time); asking for more is refused, naming what is missing. When the
 * scan recorded every state, the records are the whole truth, so per-host
 * counts (for "Not shown" and grep's "Ignored State") and the list of scanned
 * hosts are rebuilt from them as they stream past.
 */
import { MAX_LISTED_HOSTS } from '../config/limits.js';
import { ShardscanError } from '../errors.js';
import { parseIPv4, parseIPv6 } from '../targets/ip.js';
import type { ProbeRecord } from '../model/record.js';
import { ReasonTally, type StateReasons } from '../model/reasons.js';
import { PORT_STATES, type PortState, type StateCounts, emptyCounts, totalOf } from '../model/states.js';

/** Per-host counts are kept for at most this many hosts (as in a scan), 16 MiB or so. */
const MAX_COUNTED_HOSTS = MAX_LISTED_HOSTS;

export interface MergeView {
  /** The states the merged report shows. */
  states: PortState[];
  /** Whether to write a record; every record read must pass through here (it is counted). */
  keep(r: ProbeRecord): boolean;
  /** Per-host counts of every state, or null when the records cannot tell. Complete once the records have been read. */
  hostCounts(host: string): StateCounts | null;
  /** Per-host counts by state and reason, when every state was recorded (else null: the reasons of what was not recorded are unknown). */
  hostReasons(host: string): StateReasons | null;
  /** Every host with a record, in address order, or null when not every state was recorded. */
  scannedHosts(): string[] | null;
  /**
   * The whole merged scan's counts, once known: when it is complete and every
   * position the records leave out is in one state (an open-only scan with no
   * filtered or error port anywhere), each host's counts follow from its
   * records, and hostCounts gives them (a merged default scan said "Not
   * shown: 99 closed/filtered/error ports" where the scan itself said "99
   * closed").
   */
  knowTotals(totals: StateCounts, complete: boolean, portsPerHost: number): void;
}

/**
 * The one state every position a scan did not record is in, when its totals show it: the scan recorded some states
 * only, and of the others at most one has any position (an open-only scan with no filtered or error port); null when
 * every state was recorded, or two unrecorded ones have positions. A whole, complete scan's hosts then have their
 * counts from their records: the rest of their ports are in that state (merge's view, a resume's tally).
 */
export function restState(recorded: readonly PortState[], totals: StateCounts): PortState | null {
  const unrecorded = PORT_STATES.filter((s) => !recorded.includes(s));
  const present = unrecorded.filter((s) => totals[s] > 0);
  return unrecorded.length === 0 || present.length > 1 ? null : (present[0] ?? unrecorded[0]!);
}

function addressOrder(a: string, b: string): number {
  const key = (h: string): bigint => {
    const v4 = parseIPv4(h);
    return v4 !== null ? BigInt(v4) : (1n << 40n) + (parseIPv6(h) ?? 0n);
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * The view for shards that recorded `recorded`; `requested` is the parsed
 * --states flag (undefined: show what was recorded).
 */
export function mergeView(recorded: readonly PortState[], requested: readonly PortState[] | undefined): MergeView {
  const states = requested === undefined ? [...recorded] : [...requested];
  const missing = states.filter((s) => !recorded.includes(s));
  if (missing.length > 0) {
    const only = PORT_STATES.filter((s) => recorded.includes(s));
    throw new ShardscanError(
      'E_MERGE',
      `shard directories hold only ${only.join(', ')} records (--states ${only.join(',')} at scan time); cannot show ${missing.join(', ')}`,
    );
  }
  const complete = PORT_STATES.every((s) => recorded.includes(s));
  const counts = new Map<string, StateCounts>();
  const reasons = new ReasonTally<string>();
  let overflow = false;
  /** The state of every position not recorded, and the ports of a host, when knowTotals found one such state. */
  let rest: { state: PortState; ports: number } | null = null;
  const deduced = (host: string): StateCounts | null => {
    if (rest === null || overflow) return null;
    const c = { ...(counts.get(host) ?? emptyCounts()) };
    c[rest.state] = rest.ports - totalOf(c);
    return c;
  };
  return {
    states,
    keep(r) {
      if (!overflow) {
        let c = counts.get(r.host);
        if (!c) {
          if (counts.size >= MAX_COUNTED_HOSTS) overflow = true;
          c = { open: 0, closed: 0, filtered: 0, error: 0 };
          counts.set(r.host, c);
        }
        c[r.state]++;
        reasons.add(r.host, r.state, r.reason);
      }
      return states.includes(r.state);
    },
    hostCounts: (host) => (!complete ? deduced(host) : !overflow ? (counts.get(host) ?? null) : null),
    hostReasons(host) {
      const c = complete && !overflow ? counts.get(host) : undefined;
      return c === undefined ? null : reasons.of(host, c);
    },
    scannedHosts: () => (complete && !overflow ? [...counts.keys()].sort(addressOrder) : null),
    knowTotals(totals, whole, portsPerHost) {
      const state = whole ? restState(recorded, totals) : null;
      rest = state === null ? null : { state, ports: portsPerHost };
    },
  };
}
