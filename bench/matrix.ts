/**
 * The workers × concurrency matrix of one workload, driven by tinybench: one
 * task per cell, each iteration one child-process scan that reports the
 * CLI's own scan time as its duration (`overriddenDuration`).
 *
 * Run counts: tinybench keeps iterating until a cell's time budget is spent.
 * Each run declares a cost of max(its wall time, budget / maxRuns)
 * (`overriddenIterationCost`), so a cell gets maxRuns runs when they are
 * quick and fewer, at least one, when one run alone eats the budget: W3 at
 * concurrency 64 takes over 30 s a run, W1 about one second.
 */
import { Bench } from 'tinybench';
import type { ScanContext } from './child.js';
import { isExact } from './accuracy.js';
import { type MeasuredScan, measureScan } from './measure.js';
import { overshootHistogram, overshootRead, percentile, round, spread } from './stats.js';
import type { BenchPlan, CellResult, TimeoutStats } from './types.js';
import type { PreparedWorkload } from './workloads.js';

/** Progress lines go here (stderr in the CLI, nowhere in a library call). */
export type Log = (line: string) => void;

function timeoutStats(w: PreparedWorkload, concurrency: number, runs: MeasuredScan[], timeoutMs: number): TimeoutStats {
  const all = runs.flatMap((r) => r.overshoots).sort((a, b) => a - b);
  const idealMs = Math.ceil(w.info.space / concurrency) * timeoutMs;
  const totalMs = spread(runs.map((r) => r.measure.elapsedMs));
  const late = runs.map((r) => r.late);
  // The records cannot say how late a decision came (a filtered record's rtt is its timeout): the engine's own
  // measure, per run, is read instead: the median of the runs' medians, the worst run's p99 and largest sample.
  if (all.length > 0 && all.every((o) => o === 0) && late.every((l) => l !== null)) {
    const ls = late as NonNullable<MeasuredScan['late']>[];
    return {
      timeoutMs,
      source: 'timers',
      count: ls.reduce((n, l) => n + l.samples, 0),
      medianMs: round(percentile(ls.map((l) => l.p50).sort((a, b) => a - b), 50), 3),
      p99Ms: Math.max(...ls.map((l) => l.p99)),
      maxMs: Math.max(...ls.map((l) => l.max ?? l.p99)),
      early: 0,
      idealMs,
      totalMs,
      totalVsIdeal: round(totalMs.median / idealMs, 3),
      histogram: [],
    };
  }
  // No filtered record at all (every probe answered?) reads as 0 with count 0, not NaN.
  const q = (p: number) => (all.length === 0 ? 0 : round(percentile(all, p), 3));
  return {
    timeoutMs,
    source: 'records',
    count: all.length,
    medianMs: q(50),
    p99Ms: q(99),
    maxMs: q(100),
    early: all.filter((o) => o < 0).length,
    idealMs,
    totalMs,
    totalVsIdeal: round(totalMs.median / idealMs, 3),
    histogram: overshootHistogram(all),
  };
}

/** Fold a cell's runs into its figures. */
export function summarizeCell(w: PreparedWorkload, workers: number, concurrency: number, runs: MeasuredScan[], elapsedRme: number, plan: BenchPlan): CellResult {
  const m = runs.map((r) => r.measure);
  const pick = (f: (x: (typeof m)[number]) => number) => spread(m.map(f));
  return {
    workload: w.info.id,
    workers,
    concurrency,
    runs: m,
    rate: pick((x) => x.rate),
    wallRate: pick((x) => x.wallRate),
    elapsedRme: round(elapsedRme, 2),
    userMs: pick((x) => x.userMs),
    systemMs: pick((x) => x.systemMs),
    maxRssKb: pick((x) => x.maxRssKb),
    accuracy: Math.min(...m.map((x) => x.accuracy.ratio)),
    falseOpens: Math.max(...m.map((x) => x.accuracy.falseOpens)),
    timeout: w.info.id === 'W3' ? timeoutStats(w, concurrency, runs, plan.timeoutMs) : null,
    notes: [...new Set(runs.flatMap((r) => r.notes)), ...eventNote(m)],
  };
}

/**
 * Local events the figures include, summed over the runs: a worker that
 * crashed (its chunk ran again), descriptors that ran out. Self-connects are
 * left out: a scan of this host's own ports meets a few as a matter of course,
 * and each costs one more connect.
 */
export function eventNote(runs: readonly { events: Record<string, number> }[]): string[] {
  const sum = new Map<string, number>();
  let hit = 0;
  for (const r of runs) {
    const kinds = Object.entries(r.events).filter(([event]) => event !== 'self-connect');
    if (kinds.length > 0) hit++;
    for (const [event, n] of kinds) sum.set(event, (sum.get(event) ?? 0) + n);
  }
  if (hit === 0) return [];
  return [`local events in ${hit} of ${runs.length} run(s), in their figures: ${[...sum].map(([event, n]) => `${event} × ${n}`).join(', ')}`];
}

/** One line of progress for a finished cell. */
function describe(c: CellResult): string {
  const t = c.timeout ? `${overshootRead(c.timeout) ? `, overshoot p99 ${c.timeout.p99Ms} ms` : ''}, ${c.timeout.totalVsIdeal}× ideal` : '';
  const ok = c.runs.every((r) => isExact(r.accuracy)) ? 'exact' : `accuracy ${round(c.accuracy, 4)}, ${c.falseOpens} false opens`;
  return `  ${c.workload} ${c.workers}w × ${c.concurrency}: ${c.runs.length} run(s), ${c.rate.median.toLocaleString('en-US')} targets/s, ${ok}${t}`;
}

/**
 * Every cell of the matrix for workload `w`. `extra` are flags for every run
 * (W4's --max-time); `onCell` gets each cell as soon as it is measured. Runs use seeds plan.seed, plan.seed + 1, ... so every
 * cell walks the same orders.
 */
export async function runMatrix(w: PreparedWorkload, plan: BenchPlan, ctx: ScanContext, log: Log, extra: readonly string[] = [], onCell?: (cell: CellResult) => void): Promise<CellResult[]> {
  const id = w.info.id;
  const budget = plan.budgetMs[id];
  const floorCost = Math.ceil(budget / plan.maxRuns[id]);
  const bench = new Bench({ name: id, iterations: 1, time: budget, warmup: false, throws: true, retainSamples: true });
  const runsOf = new Map<string, MeasuredScan[]>();
  for (const workers of plan.workers) {
    for (const concurrency of plan.concurrency) {
      const name = `${id} ${workers}x${concurrency}`;
      const runs: MeasuredScan[] = [];
      runsOf.set(name, runs);
      bench.add(name, async () => {
        const flags = ['--workers', String(workers), '--concurrency', String(concurrency), '--seed', String(plan.seed + runs.length), ...extra];
        const r = await measureScan(w, flags, ctx);
        // The CLI caps --concurrency by ulimit -n (a note that -q hides): say so, or the cell is mislabelled.
        if (r.concurrency !== concurrency) r.notes.push(`concurrency ${concurrency} was capped to ${r.concurrency}`);
        runs.push(r);
        return { overriddenDuration: r.measure.elapsedMs, overriddenIterationCost: Math.max(r.measure.wallMs, floorCost) };
      });
    }
  }
  const cells: CellResult[] = [];
  bench.addEventListener('cycle', (e) => {
    const task = e.task!;
    const [workers, concurrency] = task.name.split(' ')[1]!.split('x').map(Number) as [number, number];
    const rme = task.result.state === 'completed' ? task.result.latency.rme : 0;
    const cell = summarizeCell(w, workers, concurrency, runsOf.get(task.name)!, Number.isFinite(rme) ? rme : 0, plan);
    cells.push(cell);
    onCell?.(cell);
    log(describe(cell));
  });
  await bench.run();
  return cells;
}

