/**
 * "W1/W2 no slower than before": the figures of an earlier bench JSON, either
 * the file given with --baseline or the newest full run in the output
 * directory that measured both W1 and W2 on the same CPU model (this VM's
 * host has changed between runs; rates of two machines compare nothing).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../src/errors.js';
import type { Baseline, CellResult } from './types.js';

interface Earlier {
  createdAt?: string;
  machine?: { cpuModel?: string };
  plan?: { mode?: string };
  cells?: CellResult[];
}

const best = (cells: readonly CellResult[], id: string) => Math.max(0, ...cells.filter((c) => c.workload === id).map((c) => c.rate.median));

/** The baseline in `file`, or null when it has no W1/W2 cells. Throws when the file cannot be read. */
export function readBaseline(file: string): Baseline | null {
  let doc: Earlier;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Earlier;
  } catch (err) {
    throw new Error(`bench: cannot read the baseline ${file}: ${messageOf(err)}`);
  }
  const cells = doc.cells ?? [];
  const w1Rate = best(cells, 'W1');
  const w2Rate = best(cells, 'W2');
  if (w1Rate === 0 || w2Rate === 0) return null;
  return { file, createdAt: doc.createdAt ?? 'unknown', cpuModel: doc.machine?.cpuModel ?? 'unknown', w1Rate, w2Rate };
}

/** The newest full run in `dir` with W1 and W2 on CPU `cpuModel` (file names are UTC timestamps, so they sort by time). */
export function findBaseline(dir: string, cpuModel: string): Baseline | null {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /^\d{4}-.*Z\.json$/.test(f)).sort().reverse();
  } catch (err) {
    void err; // no output directory yet: no earlier run
    return null;
  }
  for (const name of names) {
    let doc: Earlier;
    try {
      doc = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Earlier;
    } catch (err) {
      void err; // a damaged or foreign file is not a baseline; keep looking
      continue;
    }
    if (doc.plan?.mode !== 'full' || doc.machine?.cpuModel !== cpuModel) continue;
    const b = readBaseline(join(dir, name));
    if (b) return b;
  }
  return null;
}
