/**
 * The loopback part of the bench: for each selected workload (W1-W4) its
 * fixtures, the workers × concurrency matrix, nmap side by side, and the runs
 * at default settings the memory check needs, all while the fixtures are up.
 */
import { type ScanContext } from './child.js';
import { type Log, runMatrix } from './matrix.js';
import { measureNmap } from './measure.js';
import { allStatesScans, defaultsScan, smallScan } from './memory.js';
import { nmapArgs, nmapCommand } from './nmap.js';
import { round, spread } from './stats.js';
import type { BenchPlan, CellResult, MemoryRun, NmapRun, NmapWorkload, WorkloadId, WorkloadInfo } from './types.js';
import { bestCell } from './verdict.js';
import { prepareWorkload } from './workloads.js';

export const LOOPBACK_WORKLOADS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4'];

interface NmapRaw {
  workload: WorkloadId;
  args: string[];
  runs: NmapRun[];
}

/** What the scans collected, before it is judged. */
export interface Collected {
  workloads: WorkloadInfo[];
  cells: CellResult[];
  nmap: NmapRaw[];
  memory: MemoryRun[];
  defaults: { workers: number; concurrency: number };
  notes: string[];
}

/** Scan the selected workloads: the matrix, then nmap and the memory runs while its fixtures are up. */
export async function collectLoopback(ids: readonly WorkloadId[], plan: BenchPlan, ctx: ScanContext, nmapOk: boolean, log: Log, live?: (c: Collected) => void): Promise<Collected> {
  // The defaults as the small scan found them, until W1 or W4 at defaults says (a run of W2 or W3
  // alone had none, and its result failed the schema: workers must be >= 1).
  const small = await smallScan(ctx);
  const c: Collected = { workloads: [], cells: [], nmap: [], memory: [small.run], defaults: { workers: small.workers, concurrency: small.concurrency }, notes: [] };
  // Filled in place from here on, cell by cell: what a Ctrl+C keeps (bench/interrupted.ts).
  live?.(c);
  for (const id of ids) {
    log(`${id}: starting fixtures`);
    const w = await prepareWorkload(id, plan);
    try {
      c.workloads.push(w.info);
      log(`${id}: ${w.info.title}; fixtures: ${w.info.fixtures}`);
      await runMatrix(w, plan, ctx, log, id === 'W4' ? ['--max-time', String(plan.w4MatrixSec)] : [], (cell) => c.cells.push(cell));
      const atDefaults: [MemoryRun['name'], string[]][] =
        id === 'W1' ? [['W1', []]] : id === 'W4' ? [['W4-short', ['--max-time', String(plan.w4ShortSec)]], ['W4-long', ['--max-time', String(plan.w4LongSec)]]] : [];
      for (const [name, extra] of atDefaults) {
        const d = await defaultsScan(name, w, extra, plan.seed, ctx);
        c.memory.push(d.run);
        c.defaults = { workers: d.workers, concurrency: d.concurrency };
        if (!d.exact) c.notes.push(`${name} at defaults was not exact`);
        log(`  ${name} at defaults: ${d.run.done.toLocaleString('en-US')} probes, peak RSS ${Math.round(d.run.maxRssKb / 1024)} MiB`);
      }
      if (id === 'W1') {
        // Every record written: the writers' buffers are part of what a user's scan costs.
        for (const r of await allStatesScans(w.args, plan.mode === 'quick' ? 1 : null, ctx)) {
          c.memory.push(r);
          log(`  ${r.name} at defaults: ${r.done.toLocaleString('en-US')} probes, peak RSS ${Math.round(r.maxRssKb / 1024)} MiB`);
        }
      }
      if (nmapOk && w.nmapArgs) {
        const args = nmapArgs(w.nmapArgs);
        const runs: NmapRun[] = [];
        for (let i = 0; i < plan.nmapRuns; i++) runs.push(await measureNmap(w, args, ctx));
        c.nmap.push({ workload: id, args, runs });
        log(`  nmap ${id}: ${runs.map((r) => `${r.wallRate.toLocaleString('en-US')} targets/s`).join(', ')}`);
      }
    } finally {
      await w.close();
    }
  }
  for (const cell of c.cells) for (const n of cell.notes) c.notes.push(`${cell.workload} ${cell.workers}w×${cell.concurrency}: ${n}`);
  return c;
}

/** nmap's runs side by side with shardscan's best cell. */
export function nmapWorkloads(raw: NmapRaw[], cells: CellResult[]): NmapWorkload[] {
  return raw.map((n) => {
    const wallRate = spread(n.runs.map((r) => r.wallRate));
    const ours = bestCell(cells, n.workload, 'wallRate')?.wallRate.median ?? 0;
    return { workload: n.workload, command: nmapCommand(n.args), runs: n.runs, wallRate, shardscanWallRate: ours, ratio: round(ours / Math.max(1, wallRate.median), 2) };
  });
}
