/**
 * What `--save` may store. The loopback matrix ranks settings by W1 + W2
 * targets/s, but loopback answers inside connect(): a narrow window costs
 * nothing there and a lot on a real network (10,000 ports at RTT 200 ms take
 * one round trip with a window of 10,000 and 40 with 256). So the loopback
 * winner is only a candidate:
 *
 * 1. Candidates: the loopback winner L, then L's worker count with the
 *    default window. The defaults themselves need no check.
 * 2. With the lab: each candidate runs through rtt20 and rtt200 beside
 *    shardscan at its defaults, interleaved, `runs` times each. A candidate
 *    passes when every valid run is exact and its median is at most
 *    NO_SLOWER × the defaults' median on both. The first that passes is picked.
 * 3. Without the lab (not root): only a candidate whose window is at least the
 *    default one, with the default worker count, may be picked (a wider window
 *    is never slower on a network; a worker count picked on loopback is not
 *    known to be no slower there, and was stored: one worker). Candidates never
 *    include the defaults, so nothing is stored then.
 * 4. Nothing passes: the defaults. --save then stores nothing and removes a
 *    tuning file an earlier --save left, so the CLI runs at its defaults.
 *    (With no loopback winner at all, e.g. `--net`, --save touches nothing.)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONCURRENCY } from '../src/config/index.js';
import { cores, fdLimit, maxConcurrency } from '../src/config/limits.js';
import { saveTuning, tuningPath } from '../src/config/tuning.js';
import { Lab } from '../lab/lab.js';
import { labUnavailable } from '../lab/netns.js';
import { type ScenarioId, scenario as makeScenario } from '../lab/scenarios.js';
import { TOOLS, type Tool } from '../lab/tools.js';
import { type Log, measureRun, medianOf, runLine } from './net-runs.js';
import type { NetCheckRow, NetRun, Setting, TuningDecision } from './net-types.js';
import { scratchDir } from '../lab/scratch.js';

/** A candidate may be this much slower than the defaults and still count as "no slower" (run-to-run noise). */
export const NO_SLOWER = 1.05;
const CHECK_SCENARIOS: readonly ScenarioId[] = ['rtt20', 'rtt200'];

/**
 * The CLI's own defaults on this machine: every core, the window as wide as descriptors allow; `mainThread`:
 * for a small scan, which runs on the main thread and keeps no descriptors for worker threads.
 */
export function cliDefaults(mainThread = false): Setting {
  const workers = cores();
  return { workers, concurrency: Math.min(DEFAULT_CONCURRENCY, maxConcurrency(fdLimit(), mainThread ? 0 : workers)) };
}

const same = (a: Setting, b: Setting) => a.workers === b.workers && a.concurrency === b.concurrency;
const label = (s: Setting) => `${s.workers}w×${s.concurrency}`;

/** The candidates for `best`, in order of preference (never the defaults themselves). */
export function candidates(best: Setting | null, defaults: Setting): Setting[] {
  if (!best) return [];
  // Only the two fields: a Recommendation carries its scores too, and they are not a setting.
  const out: Setting[] = [{ workers: best.workers, concurrency: best.concurrency }];
  if (best.concurrency < defaults.concurrency) out.push({ workers: best.workers, concurrency: defaults.concurrency });
  return out.filter((c, i) => !same(c, defaults) && out.findIndex((o) => same(o, c)) === i);
}

/** shardscan at `s` (null: at its defaults) through the lab. */
function shardscanAt(s: Setting | null): Tool {
  const base = TOOLS.shardscan!;
  return {
    id: s ? label(s) : 'defaults',
    format: 'ndjson',
    argv: (sc) => {
      const [cmd, args] = base.argv(sc);
      return [cmd, s ? [...args, '--workers', String(s.workers), '--concurrency', String(s.concurrency)] : args];
    },
  };
}

/** Run the candidates and the defaults through rtt20 and rtt200; one row per candidate and scenario. */
async function networkCheck(cands: Setting[], runs: number, log: Log): Promise<NetCheckRow[]> {
  const rows: NetCheckRow[] = [];
  const scratch = scratchDir('shardscan-bench-tune-');
  try {
    for (const id of CHECK_SCENARIOS) {
      const s = makeScenario(id, 1);
      const lab = await Lab.create(s.lab);
      try {
        for (const l of s.listeners) await lab.listen(l.host, l.ports);
        const truth = lab.groundTruth(s.hosts, s.ports);
        const tools = [shardscanAt(null), ...cands.map(shardscanAt)];
        const got = new Map<string, NetRun[]>(tools.map((t) => [t.id, []]));
        log(`tuning check ${id}: shardscan at defaults and at ${cands.map(label).join(', ')} × ${runs}`);
        for (let i = 0; i < runs; i++) {
          for (const t of tools) {
            const r = await measureRun(lab, s, truth, t, 60_000, scratch);
            got.get(t.id)!.push(r);
            log(runLine(`${t.id} run ${i + 1}/${runs}`, r));
          }
        }
        const defaultsMs = medianOf(got.get('defaults')!)?.wallMs ?? null;
        for (const c of cands) {
          const rs = got.get(label(c))!.filter((r) => r.void.length === 0);
          rows.push({ scenario: id, ...c, medianMs: medianOf(rs)?.wallMs ?? null, defaultsMs, exact: rs.length > 0 && rs.every((r) => r.score.exact && !r.overCap) });
        }
      } finally {
        await lab.destroy();
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}

/** A candidate passes when it is exact and no slower than the defaults on every scenario it was checked on. */
export function passes(c: Setting, rows: readonly NetCheckRow[]): boolean {
  const mine = rows.filter((r) => same(r, c));
  return mine.length === CHECK_SCENARIOS.length && mine.every((r) => r.exact && r.medianMs !== null && r.defaultsMs !== null && r.medianMs <= r.defaultsMs * NO_SLOWER);
}

export interface TuningOptions {
  /** The loopback matrix's winner, or null when there is none. */
  best: Setting | null;
  /** Measure the candidates through the lab (when it can run here). */
  check: boolean;
  runs: number;
  /** Store the pick (or remove an older tuning file when the defaults win). */
  save: boolean;
  /** Where --save writes (default: the CLI's tuning path). */
  tuningFile?: string | undefined;
  measuredAt: string;
  log: Log;
}

/** Decide (and with `save`, store) the tuning; see the comment at the top for the rule. */
export async function decideTuning(opts: TuningOptions): Promise<TuningDecision> {
  const defaults = cliDefaults();
  const cands = candidates(opts.best, defaults);
  let pick: Setting | null = null;
  let rule: string;
  let check: NetCheckRow[] = [];
  const labWhy = labUnavailable();
  if (cands.length === 0) {
    rule = opts.best ? 'the loopback winner is the defaults' : 'there is no loopback recommendation';
  } else if (opts.check && !labWhy) {
    check = await networkCheck(cands, opts.runs, opts.log);
    pick = cands.find((c) => passes(c, check)) ?? null;
    rule = pick
      ? `${label(pick)} is exact and no slower than the defaults (≤ ${NO_SLOWER}×) through the lab at RTT 20 and 200 ms`
      : `no candidate (${cands.map(label).join(', ')}) was exact and no slower than the defaults (≤ ${NO_SLOWER}×) through the lab at RTT 20 and 200 ms`;
  } else {
    pick = cands.find((c) => c.concurrency >= defaults.concurrency && c.workers === defaults.workers) ?? null;
    rule = `${labWhy ? `the lab cannot run here (${labWhy})` : 'no network check was run'}: only a window at least as wide as the default's, with the default worker count, may be stored`;
  }
  let savedTo: string | null = null;
  let removed: string | null = null;
  // Without a loopback winner there is nothing measured to act on: leave any tuning file alone.
  if (opts.save && opts.best) {
    const file = opts.tuningFile ?? tuningPath();
    if (pick) savedTo = saveTuning({ ...pick, measuredAt: opts.measuredAt }, file);
    else if (existsSync(file)) {
      rmSync(file);
      removed = file;
    }
  }
  return { pick, defaults, rule, check, savedTo, removed };
}
