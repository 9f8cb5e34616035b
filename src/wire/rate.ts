/**
 * The shared probe budgets behind --rate and --host-rate, as the coordinator
 * creates them; workers/rate.ts reads and advances them (GCRA cells in shared
 * memory, advanced with compare-and-swap).
 */

/** Cells in the per-host table (must be a power of two). */
export const HOST_TABLE_SIZE = 1 << 16;

export interface RateShared {
  /** One BigInt64 cell: the global budget's theoretical arrival time, in ns. */
  tat: SharedArrayBuffer;
  /** Nanoseconds between probes for the global budget; 0 = unlimited. */
  intervalNs: number;
  /** Per-host cells (BigInt64 each, HOST_TABLE_SIZE of them), or null. */
  hostTat: SharedArrayBuffer | null;
  hostIntervalNs: number;
  /** Monotonic origin shared by all threads: performance.timeOrigin of the coordinator. */
  originMs: number;
  /** Burst allowance in nanoseconds. */
  burstNs: number;
}

/** Build the shared state. Rates are probes per second; 0 means unlimited; null when both are. */
export function createRateShared(rate: number, hostRate: number): RateShared | null {
  if (rate <= 0 && hostRate <= 0) return null;
  const intervalNs = rate > 0 ? Math.round(1e9 / rate) : 0;
  const hostIntervalNs = hostRate > 0 ? Math.round(1e9 / hostRate) : 0;
  return {
    tat: new SharedArrayBuffer(8),
    intervalNs,
    hostTat: hostRate > 0 ? new SharedArrayBuffer(8 * HOST_TABLE_SIZE) : null,
    hostIntervalNs,
    originMs: performance.timeOrigin,
    // At most 10 ms of budget at once, the probe now included (GCRA grants
    // burst / interval + 1 at once): 10 at 1000/s, and one alone at 100/s or
    // less. This was max(interval, 10 ms), one more than that: --rate 1 sent
    // its first two probes together, three in the first second.
    burstNs: Math.max(0, 10_000_000 - intervalNs),
  };
}
