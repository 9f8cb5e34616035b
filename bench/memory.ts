/**
 * The memory check, at default settings (no --workers, no --concurrency, no
 * saved tuning): a short small scan as the baseline, W1, and W4 walked for a
 * short and for a longer time. A lazy target set and a bounded window keep
 * RSS flat however far the walk goes; a list of targets or results would not.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ARGV, type ScanContext, cliCommand, runChild, runScan } from './child.js';
import { CLI_BIN } from '../src/cli/node-flags.js';
import { freePort } from './fixtures.js';
import { readListeners } from './listeners.js';
import { measureScan } from './measure.js';
import { median, round } from './stats.js';
import type { MemoryRun, MemorySection, StartupSection } from './types.js';
import type { PreparedWorkload } from './workloads.js';
import type { SummaryDocument } from '../src/cli/run.js';
import { cliEnv } from '../src/cli/node-flags.js';

/** W4-long may be this much above W4-short and still count as flat (allocator and JIT noise). */
export const FLAT_TOLERANCE_KB = 8 * 1024;

/** The baseline: a short small scan, 127.0.0.1 ports 1-1000; with the workers and window the CLI chose at defaults. */
export async function smallScan(ctx: ScanContext): Promise<{ run: MemoryRun; workers: number; concurrency: number }> {
  const args = ['127.0.0.1', '-p', '1-1000'];
  const s = await runScan(args, ctx);
  return {
    run: { name: 'small', command: cliCommand(args), done: s.summary.done, elapsedMs: s.summary.elapsedMs, maxRssKb: s.summary.resources.maxRssKb },
    workers: s.summary.workers,
    concurrency: s.summary.concurrency,
  };
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

/**
 * At defaults with every record written (--states all -f ndjson): W1's 65,535
 * records, 127.0.0.0/12 × one port (1,048,576 closed records; `maxTimeSec`
 * cuts it short in --quick), and 127.0.0.0/14 × one port with a text report
 * too (-oN, sorted by host). The walks' output goes to /dev/null, as
 * `> /dev/null` would: the bench does not need a million records in memory.
 */
export async function allStatesScans(w1: readonly string[], maxTimeSec: number | null, ctx: ScanContext): Promise<MemoryRun[]> {
  const port = String(freePort(readListeners()));
  const limit = maxTimeSec === null ? [] : ['--max-time', String(maxTimeSec)];
  const textReport = join(ctx.scratch, 'text14.txt');
  const runs: Array<[MemoryRun['name'], string[], boolean]> = [
    ['W1-all', [...w1, '--states', 'all'], false],
    ['walk12-all', ['127.0.0.0/12', '-p', port, '--states', 'all', ...limit], true],
    // The text report lists hosts in address order, so it sorts what it shows: it held every record (212 MB for these 262,144).
    ['text14-all', ['127.0.0.0/14', '-p', port, '--states', 'all', '-oN', textReport, ...limit], true],
  ];
  const out: MemoryRun[] = [];
  for (const [name, args, discard] of runs) {
    const s = await runScan(args, ctx, discard);
    out.push({ name, command: `${cliCommand(args)} -f ndjson`, done: s.summary.done, elapsedMs: s.summary.elapsedMs, maxRssKb: s.summary.resources.maxRssKb });
  }
  rmSync(textReport, { force: true });
  out.push(await resumeScan(port, maxTimeSec === null ? RESUME_FIRST_SEC : 1, maxTimeSec === null ? RESUME_AGAIN_SEC : 2, ctx));
  return out;
}

/** How long the first run of the resume check walks before it stops (~300,000 records on this project's machine). */
const RESUME_FIRST_SEC = 8;
/** The resume's --max-time, which counts its reading of those records back (~3 s of it) too. */
const RESUME_AGAIN_SEC = 8;

/**
 * A resume of a directory holding many records: the walk above with a shard
 * directory, stopped by --max-time after `firstSec`, then resumed with
 * --max-time `againSec` (reading the records back, then probing).
 * The resume reads every kept record back and writes it to its reports; it
 * held them all in memory once (440 MB for 280,000 records).
 */
async function resumeScan(port: string, firstSec: number, againSec: number, ctx: ScanContext): Promise<MemoryRun> {
  const dir = join(ctx.scratch, 'resume12');
  rmSync(dir, { recursive: true, force: true });
  const env = cliEnv({ ...process.env, SHARDSCAN_CONFIG_DIR: join(ctx.scratch, 'config') });
  const first = ['127.0.0.0/12', '-p', port, '--states', 'all', '-f', 'ndjson', '-o', '/dev/null', '-q', '--max-time', String(firstSec), '--out-dir', dir];
  const r1 = await runChild(process.execPath, [...CLI_ARGV, ...first], env, ctx.killAfterMs, true);
  if (r1.code !== 0) throw new Error(`${cliCommand(first)} exited with ${r1.code ?? r1.signal}: ${r1.stderr.trim().slice(0, 300)}`);
  const summaryPath = join(ctx.scratch, 'resume-summary.json');
  rmSync(summaryPath, { force: true });
  const again = ['resume', dir, '-q', '--max-time', String(againSec), '--summary-json', summaryPath];
  const r2 = await runChild(process.execPath, [...CLI_ARGV, ...again], env, ctx.killAfterMs, true);
  if (r2.code !== 0) throw new Error(`${cliCommand(again)} exited with ${r2.code ?? r2.signal}: ${r2.stderr.trim().slice(0, 300)}`);
  const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as SummaryDocument;
  rmSync(dir, { recursive: true, force: true });
  return { name: 'resume12-all', command: `${cliCommand(first)}; ${cliCommand(again)}`, done: s.done, elapsedMs: s.elapsedMs, maxRssKb: s.resources.maxRssKb };
}

/**
 * Start-up: `shardscan 127.0.0.1 -p 1` exactly as typed (the bin through its
 * shebang, text report, shard directory and all), wall clock of `runs` runs,
 * each after a run of `node -e 0` in the environment the bin gives Node: the
 * floor no Node program starts under on this machine.
 */
export async function startupRuns(runs: number, ctx: ScanContext): Promise<StartupSection> {
  const args = ['127.0.0.1', '-p', '1'];
  const state = join(ctx.scratch, 'state');
  mkdirSync(state, { recursive: true });
  const env = { ...process.env, SHARDSCAN_CONFIG_DIR: join(ctx.scratch, 'config'), SHARDSCAN_STATE_DIR: state };
  const wallMs: number[] = [];
  const nodeMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    // `node` as the shebang finds it (PATH), not process.execPath: the floor of the Node the bin runs on.
    const n = await runChild('node', ['-e', '0'], cliEnv(env), ctx.killAfterMs);
    if (n.code !== 0) throw new Error(`node -e 0 exited with ${n.code ?? n.signal}: ${n.stderr.trim().slice(0, 300)}`);
    nodeMs.push(round(n.wallMs, 1));
    const r = await runChild(CLI_BIN, args, env, ctx.killAfterMs);
    if (r.code !== 0) throw new Error(`${cliCommand(args)} exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
    wallMs.push(round(r.wallMs, 1));
  }
  return { command: cliCommand(args), wallMs, medianMs: round(median(wallMs), 1), node: { wallMs: nodeMs, medianMs: round(median(nodeMs), 1) } };
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
