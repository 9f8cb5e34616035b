/**
 * Per-host state counts, worker → coordinator: what a chunk committed since its
 * last message, for reports that print per-host "Not shown" lines. Packed as
 * one Float64Array of [hostIndex, open, closed, filtered, error] groups; only
 * this module knows that layout.
 */
import { PORT_STATES, STATE_CODE, type PortState } from '../model/states.js';

const GROUP = 1 + PORT_STATES.length;

/** Worker side: counts per host index, packed on demand. */
export class HostDelta {
  private readonly counts = new Map<number, Int32Array>();

  add(hostIndex: number, state: PortState): void {
    let c = this.counts.get(hostIndex);
    if (!c) {
      c = new Int32Array(PORT_STATES.length);
      this.counts.set(hostIndex, c);
    }
    c[STATE_CODE[state] - 1]!++;
  }

  get size(): number {
    return this.counts.size;
  }

  /** The counts so far, packed; the delta starts empty again. Null when there is nothing. */
  take(): Float64Array | null {
    if (this.counts.size === 0) return null;
    const out = new Float64Array(this.counts.size * GROUP);
    let i = 0;
    for (const [host, c] of this.counts) {
      out[i++] = host;
      for (let s = 0; s < PORT_STATES.length; s++) out[i++] = c[s]!;
    }
    this.counts.clear();
    return out;
  }
}

/** Coordinator side: visit each host's counts (in STATE_CODE order: open, closed, filtered, error). */
export function readHostDelta(packed: Float64Array, visit: (hostIndex: number, counts: Float64Array) => void): void {
  for (let i = 0; i + GROUP <= packed.length; i += GROUP) visit(packed[i]!, packed.subarray(i + 1, i + GROUP));
}
