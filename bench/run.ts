/**
 * runBench(): the whole bench as a library call, so `npm run bench` (see
 * bench/main.ts) and a future `shardscan tune` share it. The loopback part
 * starts and stops its own fixtures; the network part builds lab namespaces
 * (lab/) and scans only inside them; `--target` scans what the user names.
 * Every scan is a child process. Writes results/bench/<UTC timestamp>.json
 * (checked against schemas/bench.schema.json) and SVG charts next to it.
 */
import { accessSync, constants, mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ShardscanError, errnoCode, messageOf } from '../src/errors.js';
import { tuningPath } from '../src/config/tuning.js';
import { makeDirs } from '../src/files.js';
import { packagePath, packageVersion } from '../src/paths.js';
import { describeErrors, validator } from '../src/schemas.js';
import { findBaseline, readBaseline } from './baseline.js';
import { type LiveRun, trackRun, untrackRun } from './interrupted.js';
import type { ScanContext } from './child.js';
import { type Collected, LOOPBACK_WORKLOADS, collectLoopback, nmapWorkloads } from './loopback.js';
import { startupRuns, memorySection } from './memory.js';
import type { Log } from './matrix.js';
import { runNet } from './net.js';
import { evaluateNetGoals } from './net-goals.js';
import { BANNERS, NET_SCENARIOS, type NetWorkloadId, makeNetPlan } from './net-plan.js';
import { nmapVersion } from './nmap.js';
import { busyNote, describeMachine } from './machine.js';
import { makePlan } from './plan.js';
import { OVERSHOOT_BINS, addHistogram, overshootRead } from './stats.js';
import { overshootChart, throughputChart } from './svg.js';
import { renderReport } from './table.js';
import { checkTarget, runTargetTuning } from './target.js';
import { decideTuning } from './tuning.js';
import type { BenchDocument } from './types.js';
import { GOALS, evaluateGoals, recommend } from './verdict.js';
import { scratchDir } from '../lab/scratch.js';

/** Every workload id `--workloads` takes, loopback first; `loopback` and `net` name the groups. */
export const ALL_WORKLOADS: readonly string[] = [...LOOPBACK_WORKLOADS, ...NET_SCENARIOS, BANNERS];

/** --quick without --workloads: the loopback smoke plus one lab scenario and a small banner workload, so CI exercises the lab path. */
export const QUICK_WORKLOADS: readonly string[] = [...LOOPBACK_WORKLOADS, 'rtt20', BANNERS];

/** Expand a --workloads list ("W1,rtt20", "net", "loopback") into ids; throws on an unknown one. */
export function parseWorkloads(list: string): string[] {
  const out = new Set<string>();
  for (const word of list.split(',').map((w) => w.trim()).filter((w) => w !== '')) {
    if (word === 'loopback') LOOPBACK_WORKLOADS.forEach((w) => out.add(w));
    else if (word === 'net') [...NET_SCENARIOS, BANNERS].forEach((w) => out.add(w));
    else if (ALL_WORKLOADS.includes(word)) out.add(word);
    else throw new Error(`unknown workload '${word}'. Example: --workloads W1,W2,rtt20 (of ${ALL_WORKLOADS.join(', ')}, or loopback, net)`);
  }
  if (out.size === 0) throw new Error('--workloads names no workload. Example: --workloads W1,rtt20');
  return ALL_WORKLOADS.filter((w) => out.has(w));
}

export interface BenchOptions {
  /** The < 1 minute smoke run instead of the full matrix (with a one-run network smoke). */
  quick?: boolean;
  /** Store what bench/tuning.ts (or --target) decides, where the CLI reads its defaults. */
  save?: boolean;
  /** Directory for the JSON and SVG files (default results/bench). */
  outDir?: string;
  /** Scan-order and fixture seed (default: from the clock). */
  seed?: number;
  /** Progress lines (default: none). */
  log?: Log;
  /** Where --save writes (default: the CLI's tuning path). */
  tuningFile?: string;
  /** Workloads to run (see parseWorkloads); default every one. */
  workloads?: readonly string[];
  /** An earlier bench JSON for "W1/W2 no slower than before" (default: the newest full run in outDir). */
  baseline?: string;
  /** Tune against this target instead of running the workloads. */
  target?: { address: string; ports: string; yes: boolean; runs: number };
}

export interface BenchOutcome {
  doc: BenchDocument;
  jsonPath: string;
  /** The SVG charts written (none without the loopback workloads they draw). */
  chartPaths: { throughput?: string; overshoot?: string };
  /** The terminal report. */
  report: string;
}

/** Write the charts of the loopback workloads that ran; returns their file names. */
function writeCharts(c: Collected, plan: ReturnType<typeof makePlan>, outDir: string, stamp: string): BenchDocument['charts'] {
  const charts: NonNullable<BenchDocument['charts']> = {};
  const panels = (['W1', 'W2'] as const).filter((id) => c.workloads.some((w) => w.id === id));
  if (panels.length > 0) {
    charts.throughput = `${stamp}-throughput.svg`;
    const refs = [{ label: 'goal', value: GOALS.rate, color: '#d62728' }];
    writeFileSync(join(outDir, charts.throughput), throughputChart(c.cells, panels.map((id) => ({ id, title: `${id}: ${c.workloads.find((w) => w.id === id)!.title}`, refs }))));
  }
  // Not drawn when the overshoots were not measured (all exactly 0): a chart of 2,000 probes in the green bin said they were.
  // Nor from the summaries' timer figures, which have no histogram.
  const w3 = c.cells.filter((x) => x.timeout && x.timeout.source !== 'timers' && overshootRead(x.timeout));
  if (w3.length > 0) {
    charts.overshoot = `${stamp}-overshoot.svg`;
    const pooled = w3.reduce((h, x) => addHistogram(h, x.timeout!.histogram), [] as number[]);
    const subtitle = `${pooled.reduce((a, b) => a + b, 0)} filtered probes over ${w3.length} cells (every workers × concurrency), ${plan.w3Targets} targets, timeout ${plan.timeoutMs} ms, --retries 0`;
    writeFileSync(join(outDir, charts.overshoot), overshootChart(OVERSHOOT_BINS, pooled, subtitle));
  }
  return charts;
}

/** Run the bench and write its files; throws if a scan fails or the document does not match its schema. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchOutcome> {
  const t0 = performance.now();
  const createdAt = new Date();
  // Bad --target input is refused first, in one line, before any note or probe.
  if (opts.target) await checkTarget(opts.target.address, opts.target.ports, opts.target.yes);
  // Before any scan, so the bench's own load is not counted.
  const host = await describeMachine();
  const log = opts.log ?? (() => undefined);
  for (const n of busyNote(host)) log(`note: ${n}`);
  const quick = Boolean(opts.quick);
  const selection = opts.target ? [] : [...(opts.workloads ?? (quick ? QUICK_WORKLOADS : ALL_WORKLOADS))];
  const plan = makePlan(quick, opts.seed ?? createdAt.getTime() % 2 ** 31, selection);
  const version = nmapVersion();
  const loopIds = LOOPBACK_WORKLOADS.filter((w) => selection.includes(w));
  const netIds = selection.filter((w): w is NetWorkloadId => !(LOOPBACK_WORKLOADS as readonly string[]).includes(w));
  const outDir = opts.outDir ?? packagePath('results', 'bench');
  const stamp = createdAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const doc: BenchDocument = {
    version: 2,
    createdAt: createdAt.toISOString(),
    durationMs: 0,
    machine: host,
    shardscanVersion: packageVersion(),
    plan,
    recommendation: null,
    recommendationNote: 'no loopback workload ran',
    goals: [],
    notes: [...busyNote(host)],
  };
  makeDirs(outDir);
  // Where --save writes, checked before anything is measured: a failure at the end threw the whole run away (a stack trace, no results).
  if (opts.save) checkTuningWritable(opts.tuningFile ?? tuningPath());
  const scratch = scratchDir('shardscan-bench-');
  const ctx: ScanContext = { scratch, killAfterMs: 180_000 };
  const live: LiveRun = { doc, outDir, stamp, startedAt: t0, nmapVersion: version, loopback: null, net: null };
  trackRun(live);
  try {
    if (opts.target) {
      const t = await runTargetTuning({ ...opts.target, target: opts.target.address, save: Boolean(opts.save), tuningFile: opts.tuningFile, measuredAt: createdAt.toISOString(), ctx, log });
      doc.target = t.section;
      if (t.savedTo) doc.notes.push(`--save: stored in ${t.savedTo}`);
      if (t.removed) doc.notes.push(`--save: the defaults won; removed ${t.removed}`);
      if (t.said) doc.notes.push(t.said);
    } else {
      log(`bench ${plan.mode}: ${selection.join(', ')}; loopback matrix workers ${plan.workers.join(',')} × concurrency ${plan.concurrency.join(',')}; nmap ${version ?? 'not installed'}`);
      let best: { workers: number; concurrency: number } | null = null;
      if (loopIds.length > 0) {
        const c = await collectLoopback(loopIds, plan, ctx, version !== null, log, (partial) => (live.loopback = partial));
        const startup = await startupRuns(quick ? 3 : 5, ctx);
        log(`start-up: ${startup.command}: ${startup.wallMs.join(', ')} ms`);
        const { recommendation, note } = recommend(c.cells);
        const memory = memorySection(c.memory, c.defaults);
        // --quick's single runs are too noisy to hold against an earlier run unless asked to.
        const baseline = opts.baseline ? readBaseline(opts.baseline) : quick ? undefined : findBaseline(outDir, host.cpuModel);
        Object.assign(doc, {
          workloads: c.workloads,
          cells: c.cells,
          nmap: {
            available: version !== null,
            version,
            note: version === null ? 'nmap is not installed (apt-get install -y nmap); the nmap columns are skipped' : "same fixtures and ground truth; ratio = shardscan best median / nmap median, both on the child's wall clock",
            workloads: nmapWorkloads(c.nmap, c.cells),
          },
          memory,
          startup,
          baseline,
          recommendation,
          recommendationNote: note,
          charts: writeCharts(c, plan, outDir, stamp),
          overshootBins: [...OVERSHOOT_BINS],
        });
        doc.goals.push(...evaluateGoals(c.cells, memory, recommendation, startup, baseline, host.cpuModel));
        doc.notes.push(...c.notes);
        best = recommendation;
      }
      if (netIds.length > 0) {
        const netPlan = makeNetPlan(quick, netIds, version !== null);
        doc.net = await runNet(netPlan, { quick, nmapVersion: version, log, live: (scenarios) => (live.net = { scenarios, runs: netPlan.runs }) });
        doc.goals.push(...evaluateNetGoals(doc.net, quick));
      }
      // The network check: ~30 s in a full run, ~6 s (one run each) in --quick, so CI goes through it too.
      doc.tuning = await decideTuning({ best, check: true, runs: quick ? 1 : 3, save: Boolean(opts.save), tuningFile: opts.tuningFile, measuredAt: createdAt.toISOString(), log });
      if (opts.save && !best) doc.notes.push('--save: nothing saved, there is no loopback recommendation');
    }
  } finally {
    untrackRun();
    rmSync(scratch, { recursive: true, force: true });
  }
  doc.durationMs = Math.round(performance.now() - t0);
  const validate = validator('bench');
  // Validate what goes to disk (NaN would become null there), not the object in memory.
  if (!validate(JSON.parse(JSON.stringify(doc)))) {
    // Keep what a long run measured, under a name no reader takes for a result.
    const kept = join(outDir, `${stamp}.invalid.json`);
    writeFileSync(kept, `${JSON.stringify(doc, null, 2)}\n`);
    throw new Error(`bench result does not match schemas/bench.schema.json: ${describeErrors(validate.errors)} (the document is kept in ${kept})`);
  }
  const jsonPath = join(outDir, `${stamp}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
  const chartPaths = Object.fromEntries(Object.entries(doc.charts ?? {}).map(([k, f]) => [k, join(outDir, f)]));
  return { doc, jsonPath, chartPaths, report: renderReport(doc) };
}

/**
 * The tuning file's directory can be made and written, or E_OUTPUT (one line, exit 2). The directories it
 * lacks are made and removed again (saveTuning makes them when it stores): --save often stores nothing (the
 * defaults won, or the target was loopback), and the check left an empty ~/.config/shardscan behind. Made,
 * not only looked at with access(): root may write wherever access() says, yet /proc refuses a mkdir (ENOENT).
 */
export function checkTuningWritable(file: string): void {
  const made: string[] = [];
  try {
    makeDirs(dirname(file), made);
    accessSync(dirname(file), constants.W_OK);
  } catch (err) {
    throw new ShardscanError('E_OUTPUT', `--save cannot write ${file}: ${errnoCode(err) ?? messageOf(err)}; set SHARDSCAN_CONFIG_DIR to a writable directory`);
  } finally {
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // Another process put something in it meanwhile (it is that process's directory now), or it cannot be
        // removed: an empty directory left behind is no reason to fail the bench, nor to throw out of this finally.
        break;
      }
    }
  }
}
