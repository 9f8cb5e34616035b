/**
 * Per-host state counts, worker → coordinator: what a chunk committed since its
 * last message, for reports that print per-host "Not shown" lines. One number
 * per committed position, hostIndex × 4 + (state code − 1), in a growable
 * Float64Array: no object per host in the worker, however many hosts a /12
 * walk touches. Only this module knows that layout.
 */
import { PORT_STATES, STATE_CODE, type PortState } from '../model/states.js';

const N = PORT_STATES.length;

/** Worker side: committed (host, state) pairs, packed on demand. */
export class HostDelta {
  private data = new Float64Array(1024);
  private n = 0;

  add(hostIndex: number, state: PortState): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = hostIndex * N + STATE_CODE[state] - 1;
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

/** Coordinator side: visit each committed position's host and state index (STATE_CODE − 1). */
export function readHostDelta(packed: Float64Array, visit: (hostIndex: number, stateIndex: number) => void): void {
  for (let i = 0; i < packed.length; i++) {
    const v = packed[i]!;
    const stateIndex = v % N;
    visit((v - stateIndex) / N, stateIndex);
  }
}
