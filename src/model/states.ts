/**
 * Port states and their counts: the vocabulary every layer shares. This
 * module imports nothing of ours, so anything may depend on it.
 */

/** nmap's port states, plus `error` for a probe the scanner itself could not complete. */
export type PortState = 'open' | 'closed' | 'filtered' | 'error';

/** Every state, in report order. The one list of them. */
export const PORT_STATES: readonly PortState[] = Object.freeze(['open', 'closed', 'filtered', 'error'] as const);

/** Compact state codes for the wire and per-chunk state arrays (0 = not decided yet). */
export const STATE_CODE: Readonly<Record<PortState, number>> = Object.freeze({ open: 1, closed: 2, filtered: 3, error: 4 });

/** STATE_CODE's inverse: code → state (index 0 is "not decided"). */
export const STATE_OF_CODE: readonly (PortState | undefined)[] = Object.freeze([undefined, ...PORT_STATES]);

/** Counts per state. */
export type StateCounts = Record<PortState, number>;

export function emptyCounts(): StateCounts {
  return { open: 0, closed: 0, filtered: 0, error: 0 };
}

/** `into` += `from`, in place; returns `into`. */
export function addCounts(into: StateCounts, from: Readonly<StateCounts>): StateCounts {
  for (const s of PORT_STATES) into[s] += from[s];
  return into;
}

/** a − b, as a new object. */
export function diffCounts(a: Readonly<StateCounts>, b: Readonly<StateCounts>): StateCounts {
  return { open: a.open - b.open, closed: a.closed - b.closed, filtered: a.filtered - b.filtered, error: a.error - b.error };
}

export function totalOf(c: Readonly<StateCounts>): number {
  return c.open + c.closed + c.filtered + c.error;
}

export function isPortState(s: unknown): s is PortState {
  return typeof s === 'string' && (PORT_STATES as readonly string[]).includes(s);
}

/** Local-resource events (EMFILE, self-connect, worker-crash, ...): the scanner's own business, never a port state. */
export type LocalEvents = Record<string, number>;

/** `into` += `from`, per event name, in place; returns `into`. */
export function addEvents(into: LocalEvents, from: Readonly<LocalEvents>): LocalEvents {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Count one event, in place. */
export function countEvent(into: LocalEvents, name: string, n = 1): void {
  into[name] = (into[name] ?? 0) + n;
}

export function eventTotal(e: Readonly<LocalEvents>): number {
  let n = 0;
  for (const v of Object.values(e)) n += v;
  return n;
}
