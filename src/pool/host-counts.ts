/**
 * Per-host state counts for reports that print "Not shown: N closed, M filtered"
 * per host. A fixed typed array indexed by host; above MAX_TRACKED_HOSTS it is
 * not kept at all (so memory stays flat on a /8) and reports say so.
 */
import type { TargetSet } from '../targets/set.js';
import type { StateCounts } from '../types.js';

/** 1 Mi hosts × 4 counters × 4 bytes = 16 MiB at most. */
export const MAX_TRACKED_HOSTS = 1 << 20;

export class HostCounts {
  private readonly counts: Uint32Array;
  private readonly targets: TargetSet;

  private constructor(targets: TargetSet) {
    this.targets = targets;
    this.counts = new Uint32Array(targets.count * 4);
  }

  /** A tracker, or null when the scan has too many hosts to track per host. */
  static create(targets: TargetSet): HostCounts | null {
    return targets.count <= MAX_TRACKED_HOSTS ? new HostCounts(targets) : null;
  }

  /** Add a worker's flattened delta: [hostIndex, open, closed, filtered, error, ...]. */
  add(delta: Float64Array): void {
    const c = this.counts;
    for (let i = 0; i + 4 < delta.length; i += 5) {
      const base = delta[i]! * 4;
      c[base] = c[base]! + delta[i + 1]!;
      c[base + 1] = c[base + 1]! + delta[i + 2]!;
      c[base + 2] = c[base + 2]! + delta[i + 3]!;
      c[base + 3] = c[base + 3]! + delta[i + 4]!;
    }
  }

  get(host: string): StateCounts | null {
    const i = this.targets.indexOf(host);
    if (i < 0) return null;
    const c = this.counts;
    return { open: c[i * 4]!, closed: c[i * 4 + 1]!, filtered: c[i * 4 + 2]!, error: c[i * 4 + 3]! };
  }
}
