/**
 * Per-host state counts for reports that print "Not shown: N closed, M filtered"
 * per host. A fixed typed array indexed by host; above MAX_TRACKED_HOSTS it is
 * not kept at all (so memory stays flat on a /8) and reports say so.
 */
import { MAX_LISTED_HOSTS } from '../config/limits.js';
import { ReasonTally, type StateReasons } from '../model/reasons.js';
import { PORT_STATES, type PortState, type StateCounts } from '../model/states.js';
import type { TargetSet } from '../targets/set.js';
import { readHostDelta } from '../wire/host-delta.js';
import { HostTable } from '../wire/hosts.js';

/**
 * 1 Mi hosts × 4 counters: 4 MiB when the scan has at most 255 ports per
 * host (a count then fits a byte), 8 MiB otherwise (a host has at most
 * 65,535 ports, so 16 bits always do).
 */
export const MAX_TRACKED_HOSTS = MAX_LISTED_HOSTS;
const N = PORT_STATES.length;

export class HostCounts {
  private readonly counts: Uint8Array | Uint16Array;
  /** Ports whose reason is not their state's usual one, per host index. */
  private readonly reasons = new ReasonTally<number>();

  private constructor(
    private readonly targets: TargetSet,
    ports: number,
  ) {
    this.counts = ports <= 255 ? new Uint8Array(targets.count * N) : new Uint16Array(targets.count * N);
  }

  /** A tracker, or null when the scan has too many hosts to track per host. */
  static create(targets: TargetSet, ports: number): HostCounts | null {
    return targets.count <= MAX_TRACKED_HOSTS ? new HostCounts(targets, ports) : null;
  }

  /** Add a worker's packed delta (src/wire/host-delta.ts). */
  add(packed: Float64Array): void {
    const c = this.counts;
    readHostDelta(packed, (host, state, reason) => {
      c[host * N + state]!++;
      if (reason !== null) this.reasons.add(host, PORT_STATES[state]!, reason);
    });
  }

  /** Count one port of the host at index `host` (a record read back: a resume's reports, scan/record-tally.ts). */
  count(host: number, state: PortState, reason: string): void {
    this.counts[host * N + PORT_STATES.indexOf(state)]!++;
    this.reasons.add(host, state, reason);
  }

  private table: HostTable | null = null;

  /**
   * Whether --host-timeout gave up on the host in this run: its clock in the
   * shared table `hosts` (src/wire/hosts.ts), its own up to MAX_CLOCKED_HOSTS
   * hosts, as many as are tracked here.
   */
  givenUp(host: string, hosts: SharedArrayBuffer): boolean {
    const i = this.targets.indexOf(host);
    if (i < 0) return false;
    this.table ??= new HostTable(hosts, this.targets.count);
    return this.table.isGivenUp(this.table.clockOf(i));
  }

  get(host: string): StateCounts | null {
    const i = this.targets.indexOf(host);
    return i < 0 ? null : this.at(i);
  }

  /** The host's ports per state and reason, or null when not known (see ReasonTally). */
  reasonsOf(host: string): StateReasons | null {
    const i = this.targets.indexOf(host);
    return i < 0 ? null : this.reasons.of(i, this.at(i));
  }

  private at(i: number): StateCounts {
    // By name, in PORT_STATES' order (N of them): a loop over it built each host's object key by key, once or twice a
    // host of a sorted report (0.4 s of a /14's xml report).
    const c = this.counts;
    const b = i * N;
    return { open: c[b]!, closed: c[b + 1]!, filtered: c[b + 2]!, error: c[b + 3]! };
  }
}
