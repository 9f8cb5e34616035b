/**
 * What the figures mean: the recommended settings, and which of issue 3's
 * goals this run met. Pure functions of the collected results.
 */
import type { CellResult, Goal, MemorySection, Recommendation, WorkloadId } from './types.js';

/** Issue 3's goals. */
export const GOALS = {
  rate: 75_000,
  overshootP99Ms: 3,
  totalVsIdeal: 1.05,
  /** 100 MB, in the KiB that getrusage's maxrss reports (MB = 10^6 bytes). */
  rssKb: (100 * 1e6) / 1024,
} as const;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => `${((kb * 1024) / 1e6).toFixed(1)} MB`;
const at = (c: CellResult) => `${c.workers}w×${c.concurrency}`;

/** Every run of the cell found all it should and nothing else. */
export function exactCell(c: CellResult): boolean {
  return c.runs.every((r) => r.accuracy.ratio === 1 && r.accuracy.falseOpens === 0);
}

/** The cell with the highest median targets/s for a workload. */
export function bestCell(cells: CellResult[], id: WorkloadId, key: 'rate' | 'wallRate' = 'rate'): CellResult | undefined {
  return cells.filter((c) => c.workload === id).sort((a, b) => b[key].median - a[key].median)[0];
}

/**
 * The fastest settings (by W1 median + W2 median targets/s) whose cells were
 * exact on every workload that ran them.
 */
export function recommend(cells: CellResult[]): { recommendation: Omit<Recommendation, 'savedTo'> | null; note: string } {
  const settings = new Map<string, CellResult[]>();
  for (const c of cells) settings.set(`${c.workers}x${c.concurrency}`, [...(settings.get(`${c.workers}x${c.concurrency}`) ?? []), c]);
  let best: Omit<Recommendation, 'savedTo'> | null = null;
  let exact = 0;
  for (const group of settings.values()) {
    if (!group.every(exactCell)) continue;
    exact++;
    const w1 = group.find((c) => c.workload === 'W1')?.rate.median ?? 0;
    const w2 = group.find((c) => c.workload === 'W2')?.rate.median ?? 0;
    if (!best || w1 + w2 > best.score) best = { workers: group[0]!.workers, concurrency: group[0]!.concurrency, score: w1 + w2, w1Rate: w1, w2Rate: w2 };
  }
  if (!best) return { recommendation: null, note: `no setting was 100 % accurate on every workload (0 of ${settings.size}); nothing to recommend` };
  return { recommendation: best, note: `fastest by W1 + W2 median targets/s among the ${exact} of ${settings.size} settings that were 100 % accurate, with no false opens, on every workload` };
}

function rateGoal(cells: CellResult[], id: WorkloadId, rec: Omit<Recommendation, 'savedTo'> | null): Goal {
  const best = bestCell(cells, id);
  const recRate = rec ? (id === 'W1' ? rec.w1Rate : rec.w2Rate) : null;
  return {
    id: `${id.toLowerCase()}-rate`,
    goal: `${id} at ≥ ${fmt(GOALS.rate)} targets/s (best cell median, CLI elapsedMs)`,
    holds: (best?.rate.median ?? 0) >= GOALS.rate,
    measured: best
      ? `best ${fmt(best.rate.median)} at ${at(best)} (wall clock ${fmt(best.wallRate.median)})${recRate !== null ? `; recommended ${fmt(recRate)}` : ''}`
      : 'not measured',
  };
}

function w3Goal(cells: CellResult[], id: string, goal: string, value: (c: CellResult) => number, limit: number, unit: string): Goal {
  const w3 = cells.filter((c) => c.workload === 'W3' && c.timeout);
  const worst = [...w3].sort((a, b) => value(b) - value(a))[0];
  const ok = w3.filter((c) => value(c) <= limit);
  return {
    id,
    goal,
    holds: w3.length > 0 && ok.length === w3.length,
    measured: worst
      ? `${ok.length} of ${w3.length} cells hold; worst ${value(worst)}${unit} at ${at(worst)}; ${w3.map((c) => `${at(c)} ${value(c)}${unit}`).join(', ')}`
      : 'not measured',
  };
}

/** Issue 3's goals, each with what this run measured. */
export function evaluateGoals(cells: CellResult[], memory: MemorySection, rec: Omit<Recommendation, 'savedTo'> | null): Goal[] {
  const inexact = cells.filter((c) => !exactCell(c));
  return [
    rateGoal(cells, 'W1', rec),
    rateGoal(cells, 'W2', rec),
    w3Goal(cells, 'w3-overshoot', `W3 p99 overshoot ≤ ${GOALS.overshootP99Ms} ms in every cell`, (c) => c.timeout!.p99Ms, GOALS.overshootP99Ms, ' ms'),
    w3Goal(cells, 'w3-total', `W3 total ≤ ${GOALS.totalVsIdeal} × ideal ceil(N / concurrency) × timeout in every cell`, (c) => c.timeout!.totalVsIdeal, GOALS.totalVsIdeal, '×'),
    {
      id: 'rss-defaults',
      goal: 'peak RSS ≤ 100 MB at default settings',
      holds: memory.peakKb <= GOALS.rssKb,
      measured: `${mb(memory.peakKb)} peak over ${memory.runs.map((r) => `${r.name} ${mb(r.maxRssKb)}`).join(', ')} (defaults ${memory.defaults.workers}w×${memory.defaults.concurrency})`,
    },
    {
      id: 'w4-flat',
      goal: 'RSS flat on W4 (a longer walk of the /8 does not grow it)',
      holds: memory.flat,
      measured: `W4-long did ${memory.w4ProbeRatio}× the probes of W4-short; peak RSS ${memory.w4GrowthKb >= 0 ? '+' : ''}${mb(memory.w4GrowthKb)}`,
    },
    {
      id: 'accuracy',
      goal: '100 % of expected targets found, no false opens, in every cell',
      holds: inexact.length === 0,
      measured: inexact.length === 0 ? `all ${cells.length} cells exact` : `${inexact.length} of ${cells.length} cells inexact: ${inexact.map((c) => `${c.workload} ${at(c)}`).join(', ')}`,
    },
  ];
}
