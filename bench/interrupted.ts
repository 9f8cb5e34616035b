/**
 * What a Ctrl+C (or SIGTERM) of `npm run bench` keeps. A full run takes ~17
 * minutes and wrote nothing until its end, so a stop threw away every cell it
 * had measured. The run registers its live state here, and the signal handler
 * writes it as `<stamp>.interrupted.json`: a bench document (schemas/bench.
 * schema.json) with the cells, nmap runs, memory runs and lab scenarios
 * measured so far and `interrupted` set; no recommendation or goals unless
 * the loopback part had ended (a part of the matrix cannot pick its winner).
 * findBaseline never takes it for an earlier run: its name does not end in
 * `Z.json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validator } from '../src/schemas.js';
import { type Collected, nmapWorkloads } from './loopback.js';
import { memorySection } from './memory.js';
import type { NetScenarioResult } from './net-types.js';
import type { BenchDocument } from './types.js';

/** A bench run under way: its document as begun, and what its loopback and lab parts have measured so far. */
export interface LiveRun {
  doc: BenchDocument;
  outDir: string;
  stamp: string;
  startedAt: number;
  nmapVersion: string | null;
  /** Filled in place by collectLoopback. */
  loopback: Collected | null;
  /** Filled in place by runNet; `runs`: its plan's runs per tool. */
  net: { scenarios: NetScenarioResult[]; runs: number } | null;
}

let live: LiveRun | null = null;

/** From now on, a stop writes what `run` holds (until untrackRun). */
export function trackRun(run: LiveRun): void {
  live = run;
}

export function untrackRun(): void {
  live = null;
}

/** The partial document, or null when nothing was measured yet. */
export function interruptedDocument(run: LiveRun, signal: string, now: number): BenchDocument | null {
  const c = run.loopback;
  const cells = c?.cells ?? [];
  const scenarios = run.net?.scenarios ?? [];
  if (cells.length === 0 && scenarios.length === 0) return null;
  const seconds = Math.round((now - run.startedAt) / 1000);
  // A loopback part that ended before the stop keeps its recommendation and goals; one cut short has none.
  const cutMatrix = c !== null && run.doc.cells === undefined;
  const doc: BenchDocument = {
    ...run.doc,
    durationMs: Math.round(now - run.startedAt),
    interrupted: `${signal} after ${seconds} s`,
    recommendation: cutMatrix ? null : run.doc.recommendation,
    recommendationNote: cutMatrix ? 'the run was interrupted: a part of the matrix recommends nothing' : run.doc.recommendationNote,
    goals: [...run.doc.goals],
    notes: [...run.doc.notes, `interrupted by ${signal} after ${seconds} s: this holds what was measured until then (${cells.length} loopback cell(s), ${scenarios.length} lab scenario(s))`],
  };
  // A part that ended is in run.doc already, whole (runBench put it there); only a part cut short is rebuilt here.
  if (cutMatrix && cells.length > 0) {
    doc.workloads = c.workloads;
    doc.cells = cells;
    doc.memory = memorySection(c.memory, c.defaults);
    doc.nmap = { available: run.nmapVersion !== null, version: run.nmapVersion, note: 'nmap runs measured before the stop', workloads: nmapWorkloads(c.nmap, cells) };
  }
  if (scenarios.length > 0 && run.doc.net === undefined) {
    doc.net = { available: true, note: 'the lab scenarios measured before the stop', nmapVersion: run.nmapVersion, runs: run.net!.runs, scenarios, banners: null };
  }
  return doc;
}

/**
 * Write what the tracked run measured; its path, or null when no run is
 * tracked or nothing was measured yet. A document the schema refuses is kept
 * under `.interrupted.invalid.json`, as a finished run's is.
 */
export function writeInterrupted(signal: string): string | null {
  if (live === null) return null;
  const doc = interruptedDocument(live, signal, performance.now());
  if (doc === null) return null;
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const valid = validator('bench')(JSON.parse(text));
  const path = join(live.outDir, `${live.stamp}.interrupted${valid ? '' : '.invalid'}.json`);
  writeFileSync(path, text);
  return path;
}
