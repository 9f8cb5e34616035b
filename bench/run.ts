/**
 * runBench(): the whole bench as a library call, so `npm run bench` (see
 * bench/main.ts) and a future `shardscan tune` share it. It starts and stops
 * its own loopback fixtures, runs every scan as a child process, and writes
 * results/bench/<UTC timestamp>.json (checked against
 * schemas/bench.schema.json) and two SVG charts next to it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveTuning } from '../src/config/tuning.js';
import { packagePath, packageVersion } from '../src/paths.js';
import { describeErrors, validator } from '../src/schemas.js';
import type { ScanContext } from './child.js';
import { type Log, runMatrix } from './matrix.js';
import { measureNmap } from './measure.js';
import { defaultsScan, memorySection, smallScan } from './memory.js';
import { nmapArgs, nmapCommand, nmapVersion } from './nmap.js';
import { busyNote, describeMachine } from './machine.js';
import { makePlan } from './plan.js';
import { OVERSHOOT_BINS, addHistogram, round, spread } from './stats.js';
import { overshootChart, throughputChart } from './svg.js';
import { renderReport } from './table.js';
import type { BenchDocument, BenchPlan, CellResult, MemoryRun, NmapRun, NmapWorkload, WorkloadId, WorkloadInfo } from './types.js';
import { GOALS, bestCell, evaluateGoals, recommend } from './verdict.js';
import { prepareWorkload } from './workloads.js';

export interface BenchOptions {
  /** The < 1 minute smoke run instead of the full matrix. */
  quick?: boolean;
  /** Store the recommendation with saveTuning(), where the CLI reads its defaults. */
  save?: boolean;
  /** Directory for the JSON and SVG files (default results/bench). */
  outDir?: string;
  /** Scan-order and fixture seed (default: from the clock). */
  seed?: number;
  /** Progress lines (default: none). */
  log?: Log;
  /** Where --save writes (default: the CLI's tuning path). */
  tuningFile?: string;
}

export interface BenchOutcome {
  doc: BenchDocument;
  jsonPath: string;
  chartPaths: { throughput: string; overshoot: string };
  /** The terminal report. */
  report: string;
}

interface NmapRaw {
  workload: WorkloadId;
  args: string[];
  runs: NmapRun[];
}

/** What the scans collected, before it is judged. */
interface Collected {
  workloads: WorkloadInfo[];
  cells: CellResult[];
  nmap: NmapRaw[];
  memory: MemoryRun[];
  defaults: { workers: number; concurrency: number };
  notes: string[];
}

const WORKLOADS: WorkloadId[] = ['W1', 'W2', 'W3', 'W4'];

/** Scan every workload: the matrix, then nmap and the memory runs while its fixtures are up. */
async function collect(plan: BenchPlan, ctx: ScanContext, nmapOk: boolean, log: Log): Promise<Collected> {
  const c: Collected = { workloads: [], cells: [], nmap: [], memory: [], defaults: { workers: 0, concurrency: 0 }, notes: [] };
  c.memory.push(await smallScan(ctx));
  for (const id of WORKLOADS) {
    log(`${id}: starting fixtures`);
    const w = await prepareWorkload(id, plan);
    try {
      c.workloads.push(w.info);
      log(`${id}: ${w.info.title}; fixtures: ${w.info.fixtures}`);
      c.cells.push(...(await runMatrix(w, plan, ctx, log, id === 'W4' ? ['--max-time', String(plan.w4MatrixSec)] : [])));
      const atDefaults: [MemoryRun['name'], string[]][] =
        id === 'W1' ? [['W1', []]] : id === 'W4' ? [['W4-short', ['--max-time', String(plan.w4ShortSec)]], ['W4-long', ['--max-time', String(plan.w4LongSec)]]] : [];
      for (const [name, extra] of atDefaults) {
        const d = await defaultsScan(name, w, extra, plan.seed, ctx);
        c.memory.push(d.run);
        c.defaults = { workers: d.workers, concurrency: d.concurrency };
        if (!d.exact) c.notes.push(`${name} at defaults was not exact`);
        log(`  ${name} at defaults: ${d.run.done.toLocaleString('en-US')} probes, peak RSS ${Math.round(d.run.maxRssKb / 1024)} MiB`);
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

function nmapWorkloads(raw: NmapRaw[], cells: CellResult[]): NmapWorkload[] {
  return raw.map((n) => {
    const wallRate = spread(n.runs.map((r) => r.wallRate));
    const ours = bestCell(cells, n.workload, 'wallRate')?.wallRate.median ?? 0;
    return { workload: n.workload, command: nmapCommand(n.args), runs: n.runs, wallRate, shardscanWallRate: ours, ratio: round(ours / Math.max(1, wallRate.median), 2) };
  });
}

/** Run the bench and write its files; throws if a scan fails or the document does not match its schema. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchOutcome> {
  const t0 = performance.now();
  const createdAt = new Date();
  // Before any scan, so the bench's own load is not counted.
  const host = await describeMachine();
  const log = opts.log ?? (() => undefined);
  for (const n of busyNote(host)) log(`note: ${n}`);
  const plan = makePlan(Boolean(opts.quick), opts.seed ?? (createdAt.getTime() % 2 ** 31));
  const version = nmapVersion();
  log(`bench ${plan.mode}: workers ${plan.workers.join(',')} × concurrency ${plan.concurrency.join(',')}; nmap ${version ?? 'not installed'}`);
  const scratch = mkdtempSync(join(tmpdir(), 'shardscan-bench-'));
  let c: Collected;
  try {
    c = await collect(plan, { scratch, killAfterMs: 180_000 }, version !== null, log);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const { recommendation, note } = recommend(c.cells);
  const memory = memorySection(c.memory, c.defaults);
  let savedTo: string | null = null;
  if (opts.save && recommendation) savedTo = saveTuning({ workers: recommendation.workers, concurrency: recommendation.concurrency, measuredAt: createdAt.toISOString() }, opts.tuningFile);
  if (opts.save && !recommendation) c.notes.push('--save: nothing saved, there is no recommendation');

  const stamp = createdAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const outDir = opts.outDir ?? packagePath('results', 'bench');
  const charts = { throughput: `${stamp}-throughput.svg`, overshoot: `${stamp}-overshoot.svg` };
  const w3 = c.cells.filter((x) => x.timeout);
  const pooled = w3.reduce((h, x) => addHistogram(h, x.timeout!.histogram), [] as number[]);
  const doc: BenchDocument = {
    version: 1,
    createdAt: createdAt.toISOString(),
    durationMs: 0,
    machine: host,
    shardscanVersion: packageVersion(),
    plan,
    workloads: c.workloads,
    cells: c.cells,
    nmap: {
      available: version !== null,
      version,
      note: version === null ? 'nmap is not installed (apt-get install -y nmap); the nmap columns are skipped' : 'same fixtures and ground truth; ratio = shardscan best median / nmap median, both on the child\'s wall clock',
      workloads: nmapWorkloads(c.nmap, c.cells),
    },
    memory,
    recommendation: recommendation ? { ...recommendation, savedTo } : null,
    recommendationNote: note,
    goals: evaluateGoals(c.cells, memory, recommendation),
    charts,
    overshootBins: [...OVERSHOOT_BINS],
    notes: [...busyNote(host), ...c.notes],
  };
  doc.durationMs = Math.round(performance.now() - t0);
  const validate = validator('bench');
  // Validate what goes to disk (NaN would become null there), not the object in memory.
  if (!validate(JSON.parse(JSON.stringify(doc)))) throw new Error(`bench result does not match schemas/bench.schema.json: ${describeErrors(validate.errors)}`);

  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, `${stamp}.json`);
  const chartPaths = { throughput: join(outDir, charts.throughput), overshoot: join(outDir, charts.overshoot) };
  writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
  const refs = [{ label: 'goal', value: GOALS.rate, color: '#d62728' }];
  writeFileSync(chartPaths.throughput, throughputChart(c.cells, (['W1', 'W2'] as const).map((id) => ({ id, title: `${id}: ${c.workloads.find((w) => w.id === id)!.title}`, refs }))));
  const subtitle = `${pooled.reduce((a, b) => a + b, 0)} filtered probes over ${w3.length} cells (every workers × concurrency), ${plan.w3Targets} targets, timeout ${plan.timeoutMs} ms, --retries 0`;
  writeFileSync(chartPaths.overshoot, overshootChart(OVERSHOOT_BINS, pooled, subtitle));
  return { doc, jsonPath, chartPaths, report: renderReport(doc) };
}
