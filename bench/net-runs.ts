/**
 * One lab run as the bench keeps it, and the helpers both network workloads
 * (bench/net.ts, bench/net-banners.ts) share.
 */
import { basename } from 'node:path';
import type { RunResult } from '../lab/runner.js';
import type { NetRun } from './net-types.js';
import { round } from './stats.js';

export type Log = (line: string) => void;

/** A command line as a reader would type it: `shardscan ...`, `cscan ...`. */
export function displayCommand([cmd, args]: [string, string[]]): string {
  const words = cmd === process.execPath && args[0]?.endsWith('main.js') ? ['shardscan', ...args.slice(1)] : [basename(cmd), ...args];
  return words.join(' ');
}

/** A lab run as the bench JSON keeps it. */
export function toNetRun(r: RunResult): NetRun {
  const { examples, ...rest } = r.score;
  return {
    wallMs: round(r.wallMs, 1),
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
    `  ${what}: ${(r.wallMs / 1000).toFixed(2)} s, open ${s.openFound}/${s.expectedOpen}, false open ${s.falseOpens}, ` +
    `closed→filtered ${s.closedAsFiltered}, filtered→closed ${s.filteredAsClosed}, missing ${s.missing}` +
    `${r.overCap ? ', OVER CAP' : ''}${r.void.length ? `, VOID: ${r.void.join('; ')}` : ''}`
  );
}
