/**
 * One lab run as the bench keeps it, and the helpers both network workloads
 * (bench/net.ts, bench/net-banners.ts) share.
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Lab } from '../lab/lab.js';
import { type RunResult, runOnce } from '../lab/runner.js';
import type { Scenario } from '../lab/scenarios.js';
import type { Tool } from '../lab/tools.js';
import type { GroundTruth } from '../lab/truth.js';
import { errnoCode } from '../src/errors.js';
import type { NetRun } from './net-types.js';
import { round } from './stats.js';

export type Log = (line: string) => void;

/** The CLI's bin (dist/src/cli/main.cjs), or main.js, which runs it. */
const isCliPath = (a: string): boolean => /(^|[\\/])main\.c?js$/.test(a);

/** A command line as a reader would type it: `shardscan ...`, `cscan ...`. */
export function displayCommand([cmd, args]: [string, string[]]): string {
  const main = cmd === process.execPath ? args.findIndex(isCliPath) : -1;
  const words = main >= 0 ? ['shardscan', ...args.slice(main + 1)] : [basename(cmd), ...args];
  return words.join(' ');
}

/** A lab run as the bench JSON keeps it. */
export function toNetRun(r: RunResult, scanMs: number | null = null): NetRun {
  const { examples, ...rest } = r.score;
  return {
    wallMs: round(r.wallMs, 1),
    scanMs,
    exitCode: r.exitCode,
    overCap: r.timedOut,
    void: r.void,
    maxLateUs: round(r.maxLateUs),
    stealMs: r.stealMs,
    score: { ...rest, examples: examples.slice(0, 5) },
  };
}

/** The lower middle of the valid runs (the run quoted is one that happened). */
export function medianOf(runs: readonly NetRun[]): NetRun | null {
  const valid = runs.filter((r) => r.void.length === 0).sort((a, b) => a.wallMs - b.wallMs);
  return valid.length === 0 ? null : valid[(valid.length - 1) >> 1]!;
}

/** One line of progress for a run. */
export function runLine(what: string, r: NetRun): string {
  const s = r.score;
  return (
    `  ${what}: ${(r.wallMs / 1000).toFixed(2)} s${r.scanMs === null ? '' : ` (scan ${(r.scanMs / 1000).toFixed(2)} s)`}, open ${s.openFound}/${s.expectedOpen}, false open ${s.falseOpens}, ` +
    `closed→filtered ${s.closedAsFiltered}, filtered→closed ${s.filteredAsClosed}, missing ${s.missing}` +
    `${r.overCap ? ', OVER CAP' : ''}${r.void.length ? `, VOID: ${r.void.join('; ')}` : ''}`
  );
}

const isShardscan = ([cmd, args]: [string, string[]]) => cmd === process.execPath && args.some(isCliPath);

/** elapsedMs of a --summary-json file, or null when the run left none (killed at the cap). */
function readElapsed(path: string): number | null {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { elapsedMs: number }).elapsedMs;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Run `tool` once through the lab and keep the run. A shardscan run also
 * writes --summary-json, so the run keeps its own scan time (elapsedMs) next
 * to the wall clock: the difference is Node and worker start-up.
 */
export async function measureRun(lab: Lab, s: Scenario, truth: GroundTruth, tool: Tool, capMs: number, scratch: string, onStdout?: (stdout: string) => void): Promise<NetRun> {
  if (!isShardscan(tool.argv(s))) return toNetRun(await runOnce(lab, s, truth, tool, capMs, scratch, onStdout));
  const summary = join(scratch, 'net-summary.json');
  rmSync(summary, { force: true });
  const withSummary: Tool = { ...tool, argv: (sc) => {
    const [cmd, args] = tool.argv(sc);
    return [cmd, [...args, '--summary-json', summary]];
  } };
  const r = await runOnce(lab, s, truth, withSummary, capMs, scratch, onStdout);
  return toNetRun(r, readElapsed(summary));
}
