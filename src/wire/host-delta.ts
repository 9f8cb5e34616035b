/**
 * Per-host state counts, worker → coordinator: what a chunk committed since its
 * last message, for reports that print per-host "Not shown" lines and their
 * reasons (xml's extrareasons). One number per committed position,
 * (hostIndex × 4 + state code − 1) × 256 + reason code, in a growable
 * Float64Array: no object per host in the worker, however many hosts a /12
 * walk touches. Only this module knows that layout.
 */
import { constants } from 'node:os';
import { FILTERED_ERRNOS, HELD_HERE_ERRNOS, LOCAL_ERRNOS, NO_ROUTE_ERRNOS } from '../classify.js';
import { USUAL_REASON } from '../model/reasons.js';
import { PORT_STATES, STATE_CODE, type PortState } from '../model/states.js';

const N = PORT_STATES.length;
const R = 256;

/**
 * Reasons by code: 0 is the state's usual one (USUAL_REASON, model/reasons.ts),
 * 1 a reason not in this table (never expected: every errno Node names is).
 */
const REASONS: readonly string[] = [
  ...new Set(['', 'other', 'syn-ack', 'timeout', 'host-timeout', 'self-connect', ...NO_ROUTE_ERRNOS, ...HELD_HERE_ERRNOS, ...FILTERED_ERRNOS, ...LOCAL_ERRNOS, ...Object.keys(constants.errno)]),
].slice(0, R);
const CODE = new Map(REASONS.map((r, i) => [r, i]));

/** Worker side: committed (host, state) pairs, packed on demand. */
export class HostDelta {
  private data = new Float64Array(1024);
  private n = 0;

  /** One committed position, its reason by reasonCode (0: the state's usual one). */
  add(hostIndex: number, state: PortState, reason = 0): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = (hostIndex * N + STATE_CODE[state] - 1) * R + reason;
  }

  get size(): number {
    return this.n;
  }

  /** The pairs so far, packed; the delta starts empty again. Null when there is nothing. */
  take(): Float64Array | null {
    if (this.n === 0) return null;
    const out = this.data.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

/** A reason's code, as the ledger keeps it per position (workers/ledger.ts). */
export function reasonCode(reason: string): number {
  return CODE.get(reason) ?? 1;
}

/**
 * A decided position's reason code: 0 for its state's usual reason (nearly
 * every port; no lookup, and the coordinator skips it), else reasonCode.
 */
export function reasonCodeOf(state: PortState, reason: string): number {
  return reason === USUAL_REASON[state] ? 0 : reasonCode(reason);
}

/** Coordinator side: visit each committed position's host, state index (STATE_CODE − 1) and reason (null: the state's usual one). */
export function readHostDelta(packed: Float64Array, visit: (hostIndex: number, stateIndex: number, reason: string | null) => void): void {
  for (let i = 0; i < packed.length; i++) {
    const v = packed[i]!;
    const code = v % R;
    const pair = (v - code) / R;
    const stateIndex = pair % N;
    visit((pair - stateIndex) / N, stateIndex, code === 0 ? null : REASONS[code]!);
  }
}
