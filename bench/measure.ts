/**
 * One measured scan, by shardscan or by nmap, scored against listener
 * snapshots taken right before and right after it (bench/listeners.ts).
 */
import { score } from './accuracy.js';
import { type ScanContext, runScan } from './child.js';
import { type GroundTruth, groundTruth, readListeners } from './listeners.js';
import { runNmap } from './nmap.js';
import { round } from './stats.js';
import type { DurationStats } from '../src/model/summary.js';
import type { NmapRun, RunMeasure } from './types.js';
import type { PreparedWorkload } from './workloads.js';

/** Run `scan` between two listener snapshots and return its result with the truth for that moment. */
async function between<T>(w: PreparedWorkload, scan: () => Promise<T>): Promise<{ result: T; truth: GroundTruth }> {
  const before = readListeners();
  const result = await scan();
  const after = readListeners();
  return { result, truth: groundTruth(w.space, before, after, w.own) };
}

const perSecond = (n: number, ms: number) => round((n / Math.max(ms, 1)) * 1000);

/** A shardscan run plus what is not kept per run in the JSON (W3 overshoots, stderr notes). */
export interface MeasuredScan {
  measure: RunMeasure;
  /** rttMs − timeout of every filtered record, ms (all 0 from an engine that reports a timeout's rtt as the timeout). */
  overshoots: number[];
  /** The summary's own measure of how late its timeouts were acted on (timing.timerLate); null if it has none. */
  late: DurationStats | null;
  notes: string[];
  /** What the CLI chose, for runs at defaults. */
  workers: number;
  concurrency: number;
}

/** Scan workload `w` once with `flags` added (e.g. --workers 2 --concurrency 1024 --seed 7). */
export async function measureScan(w: PreparedWorkload, flags: readonly string[], ctx: ScanContext): Promise<MeasuredScan> {
  const { result: scan, truth } = await between(w, () => runScan([...w.args, ...flags, '--states', w.states], ctx));
  const s = scan.summary;
  const timeoutMs = Number(w.args[w.args.indexOf('--timeout') + 1]);
  const overshoots = scan.records.filter((r) => r.state === 'filtered').map((r) => round(r.rttMs - timeoutMs, 3));
  return {
    measure: {
      elapsedMs: s.elapsedMs,
      wallMs: round(scan.wallMs),
      done: s.done,
      rate: perSecond(s.done, s.elapsedMs),
      wallRate: perSecond(s.done, scan.wallMs),
      userMs: s.resources.userMs,
      systemMs: s.resources.systemMs,
      maxRssKb: s.resources.maxRssKb,
      counts: s.counts,
      events: s.events,
      accuracy: score(truth, scan.records),
    },
    overshoots,
    late: s.timing?.timerLate ?? null,
    notes: scan.notes,
    workers: s.workers,
    concurrency: s.concurrency,
  };
}

/** nmap on workload `w` once. */
export async function measureNmap(w: PreparedWorkload, args: readonly string[], ctx: ScanContext): Promise<NmapRun> {
  const portList = w.space.ports === 'all' ? null : w.space.ports;
  const { result, truth } = await between(w, () => runNmap(args, portList, ctx.killAfterMs));
  return { wallMs: round(result.wallMs), done: result.done, wallRate: perSecond(result.done, result.wallMs), accuracy: score(truth, result.found) };
}
