/**
 * The memory check, at default settings (no --workers, no --concurrency, no
 * saved tuning): a short small scan as the baseline, W1, and W4 walked for a
 * short and for a longer time. A lazy target set and a bounded window keep
 * RSS flat however far the walk goes; a list of targets or results would not.
 */
import { type ScanContext, cliCommand, runScan } from './child.js';
import { measureScan } from './measure.js';
import { round } from './stats.js';
import type { MemoryRun, MemorySection } from './types.js';
import type { PreparedWorkload } from './workloads.js';

/** W4-long may be this much above W4-short and still count as flat (allocator and JIT noise). */
export const FLAT_TOLERANCE_KB = 8 * 1024;

/** The baseline: a short small scan, 127.0.0.1 ports 1-1000. */
export async function smallScan(ctx: ScanContext): Promise<MemoryRun> {
  const args = ['127.0.0.1', '-p', '1-1000'];
  const s = await runScan(args, ctx);
  return { name: 'small', command: cliCommand(args), done: s.summary.done, elapsedMs: s.summary.elapsedMs, maxRssKb: s.summary.resources.maxRssKb };
}

/** Workload `w` at defaults, with `extra` flags (W4's --max-time). Returns the settings the CLI chose too. */
export async function defaultsScan(name: MemoryRun['name'], w: PreparedWorkload, extra: string[], seed: number, ctx: ScanContext): Promise<{ run: MemoryRun; workers: number; concurrency: number; exact: boolean }> {
  const m = await measureScan(w, ['--seed', String(seed), ...extra], ctx);
  return {
    run: { name, command: cliCommand([...w.args, ...extra]), done: m.measure.done, elapsedMs: m.measure.elapsedMs, maxRssKb: m.measure.maxRssKb },
    workers: m.workers,
    concurrency: m.concurrency,
    exact: m.measure.accuracy.ratio === 1 && m.measure.accuracy.falseOpens === 0,
  };
}

/** Fold the runs into the memory section. */
export function memorySection(runs: MemoryRun[], defaults: { workers: number; concurrency: number }): MemorySection {
  const short = runs.find((r) => r.name === 'W4-short');
  const long = runs.find((r) => r.name === 'W4-long');
  const growth = short && long ? long.maxRssKb - short.maxRssKb : 0;
  const ratio = short && long ? round(long.done / Math.max(1, short.done), 1) : 0;
  return {
    defaults,
    runs,
    peakKb: Math.max(...runs.map((r) => r.maxRssKb)),
    w4GrowthKb: growth,
    w4ProbeRatio: ratio,
    // Flat means: clearly more work (≥ 1.5× the probes) for no more than noise in RSS.
    flat: ratio >= 1.5 && growth <= FLAT_TOLERANCE_KB,
  };
}
