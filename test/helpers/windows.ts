/** What the summary says of the windows, for the unit tests of workers/congestion.ts and workers/probation.ts. */
import { timingLine } from '../../src/cli/run.js';
import { type TimingStats, TimingTotals } from '../../src/wire/timing.js';

/** The summary's "window shrank …" part, from what a Congestion counted in `stats` (shrinks and undos). */
export function windowsLine(stats: TimingStats): string {
  const totals = new TimingTotals();
  totals.add(stats.take()!);
  return timingLine(totals.summary()).split('; ').find((p) => p.startsWith('window')) ?? '';
}
