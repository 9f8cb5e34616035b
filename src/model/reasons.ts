/**
 * Per-host reason counts, for reports that say why the ports they do not
 * list are in their state (xml's `<extrareasons>`: nmap gives every
 * `<extraports>` group its reasons, no-response for silent ports). Nearly
 * every port of a state has one reason (USUAL_REASON), so only the others are
 * kept, per host, and the usual one is what the state's count leaves. This
 * module imports nothing of ours but the states.
 */
import { PORT_STATES, type PortState, type StateCounts } from './states.js';

/** A host's ports per state, counted by our reason (errno name, `timeout`, `syn-ack`, …). */
export type StateReasons = Readonly<Record<PortState, Readonly<Record<string, number>>>>;

/**
 * The reason nearly every port of a state has, not kept per host: a closed
 * port is always ECONNREFUSED (classify.ts). An error has none: every error's
 * reason is kept.
 */
export const USUAL_REASON: Readonly<Record<PortState, string | null>> = Object.freeze({ open: 'syn-ack', closed: 'ECONNREFUSED', filtered: 'timeout', error: null });

/**
 * Hosts with a reason that is not their state's usual one, kept at most: a
 * few MB. Past it the reasons of no host are known (a scan of 65,536
 * unreachable hosts or more): reports then give only what is certain.
 */
export const MAX_REASON_HOSTS = 65536;

/** The unusual reasons of hosts keyed by K (a host index, a host address). */
export class ReasonTally<K> {
  private readonly unusual = new Map<K, Record<string, number>>();
  private full = false;

  constructor(private readonly maxHosts = MAX_REASON_HOSTS) {}

  /** Count one port of `key` in `state`, for `reason`. */
  add(key: K, state: PortState, reason: string): void {
    if (reason === USUAL_REASON[state] || this.full) return;
    let r = this.unusual.get(key);
    if (r === undefined) {
      if (this.unusual.size >= this.maxHosts) {
        this.full = true;
        this.unusual.clear();
        return;
      }
      r = {};
      this.unusual.set(key, r);
    }
    const k = `${state} ${reason}`;
    r[k] = (r[k] ?? 0) + 1;
  }

  /** The reasons of `key`'s ports counted `counts`, or null when they are not known. */
  of(key: K, counts: Readonly<StateCounts>): StateReasons | null {
    if (this.full) return null;
    const out: Record<PortState, Record<string, number>> = { open: {}, closed: {}, filtered: {}, error: {} };
    const rest = { ...counts };
    for (const [k, n] of Object.entries(this.unusual.get(key) ?? {})) {
      const at = k.indexOf(' ');
      const state = k.slice(0, at) as PortState;
      out[state][k.slice(at + 1)] = n;
      rest[state] -= n;
    }
    for (const s of PORT_STATES) {
      if (rest[s] <= 0) continue;
      const usual = USUAL_REASON[s];
      // Counted ports with no reason: the counts and the reasons disagree (never expected); say nothing rather than guess.
      if (usual === null) return null;
      out[s][usual] = rest[s];
    }
    return out;
  }
}
