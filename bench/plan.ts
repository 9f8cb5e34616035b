/**
 * What a bench run measures, and why these numbers. Budgets are for the
 * 2-core reference machine: --quick under one minute, the loopback part of
 * the full run under ten.
 *
 * Full: workers 1..cores × concurrency {64, 256, 1024, 4096}.
 * - W1 and W2 take about a second a run: 5 runs per cell.
 * - W3 is bounded by timeouts, not CPU: ceil(2000 / concurrency) × 1 s ideal,
 *   so 32 s a run at concurrency 64 (46-49 s measured with the engine of
 *   Nov 2026) and 1 s at 4096. A 36 s budget per cell gives the slow cells
 *   two runs (the first leaves some of it) and the fast ones three (see matrix.ts).
 * - W4 in the matrix is one 2 s walk per cell (rate and RSS per setting);
 *   the memory check walks it again at defaults for 3 s and for 12 s.
 * Quick: workers {1, cores} × concurrency {1024, 4096}, one run each, W3 on
 * 500 targets, W4 for 1 s (matrix), 2 s and 4 s (memory).
 */
import { availableParallelism } from 'node:os';
import type { BenchPlan } from './types.js';

/** Per-workload values, W1 to W4. */
const perWorkload = (w1: number, w2: number, w3: number, w4: number) => ({ W1: w1, W2: w2, W3: w3, W4: w4 });

type ModeValues = Omit<BenchPlan, 'mode' | 'workers' | 'seed' | 'timeoutMs' | 'selection'>;

/** What differs between the modes (see the comment at the top for why). */
const MODES: Record<BenchPlan['mode'], ModeValues> = {
  quick: { concurrency: [1024, 4096], maxRuns: perWorkload(1, 1, 1, 1), budgetMs: perWorkload(0, 0, 0, 0), nmapRuns: 1, w3Targets: 500, w4MatrixSec: 1, w4ShortSec: 2, w4LongSec: 4 },
  full: { concurrency: [64, 256, 1024, 4096], maxRuns: perWorkload(5, 5, 3, 1), budgetMs: perWorkload(30_000, 30_000, 36_000, 0), nmapRuns: 3, w3Targets: 2000, w4MatrixSec: 2, w4ShortSec: 3, w4LongSec: 12 },
};

/**
 * Worker counts 1..cores. Beyond 4 cores, powers of two and the core count,
 * so a 32-core machine measures 6 columns, not 32.
 */
export function workerCounts(cores: number, quick: boolean): number[] {
  if (quick) return [...new Set([1, cores])];
  if (cores <= 4) return Array.from({ length: cores }, (_, i) => i + 1);
  const out: number[] = [];
  for (let w = 1; w < cores; w *= 2) out.push(w);
  return [...out, cores];
}

/** The plan for a mode; `seed` fixes scan orders and W2's listener placement; `selection` names the workloads to run. */
export function makePlan(quick: boolean, seed: number, selection: readonly string[], cores = availableParallelism()): BenchPlan {
  const mode = quick ? 'quick' : 'full';
  // Every scan gets --timeout 1000 (not the CLI's 3,000 ms default), stated explicitly so the JSON says what it was.
  return { mode, workers: workerCounts(cores, quick), ...MODES[mode], timeoutMs: 1000, seed, selection: [...selection] };
}
