/** Shared bits of the lab tests: the skip rule, and running cscan or shardscan inside a lab. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labBinary } from '../../lab/build.js';
import type { Lab } from '../../lab/lab.js';
import { labUnavailable } from '../../lab/netns.js';
import { nodeFloorCommand } from '../../lab/tools.js';
import { type Reported, type Score, score } from '../../lab/truth.js';
import { expect } from 'vitest';
import { ndjson, runCli, scratchDir } from './cli.js';

const run = promisify(execFile);

/**
 * True when the lab tests should be skipped (SHARDSCAN_SKIP_ROOT_TESTS=1 and
 * the lab cannot run here). Throws when it cannot run and skipping was not asked
 * for: a lab that cannot be built must fail loudly.
 */
export function skipLab(): boolean {
  const why = labUnavailable();
  if (why === null) return false;
  if (process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1') return true;
  throw new Error(`lab tests cannot run: ${why}. Install it, run as root, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

/**
 * Resolves `afterMs` after the scan's first probes pass the lab's relay (100 packets more than when called): a
 * change to the network timed from the spawn came, under CI's load, before the scan had started.
 */
export async function afterFirstProbes(lab: Lab, afterMs: number): Promise<void> {
  const through = (s: Awaited<ReturnType<Lab['stats']>>): number => s.relay.ab.in + s.relay.ba.in;
  const before = through(await lab.stats());
  for (let i = 0; i < 1500 && through(await lab.stats()) < before + 100; i++) await new Promise((ok) => setTimeout(ok, 20));
  await new Promise((ok) => setTimeout(ok, afterMs));
}

/** One line of `cscan -a`. */
export interface CscanLine {
  state: string;
  host: string;
  port: number;
  rttMs: number;
  reason: string;
}

/** What cscan or the Node floor printed: its lines (-a: every state) and its JSON summary. */
export interface FloorResult {
  lines: CscanLine[];
  summary: Record<string, number>;
}

/** Run cscan inside the lab's scanner namespace (optionally under `chrt -f 5`). */
export async function cscan(lab: Lab, args: readonly string[], opts: { realtime?: boolean } = {}): Promise<FloorResult> {
  const bin = labBinary('cscan');
  return floorRun(opts.realtime ? lab.argv('chrt', ['-f', '5', bin, '-a', ...args]) : lab.argv(bin, ['-a', ...args]));
}

/** Run the Node floor (lab/node-floor.cts, as built) inside the lab's scanner namespace; cscan's arguments but -t. */
export async function nodeFloor(lab: Lab, args: readonly string[]): Promise<FloorResult> {
  return floorRun(lab.argv(...nodeFloorCommand(args)));
}

async function floorRun([cmd, argv]: [string, string[]]): Promise<FloorResult> {
  const { stdout, stderr } = await run(cmd, argv, { maxBuffer: 64 << 20 });
  const lines = stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [state, host, port, rtt, reason] = l.split(' ');
      return { state: state!, host: host!, port: Number(port), rttMs: Number(rtt), reason: reason! };
    });
  return { lines, summary: JSON.parse(stderr.trim().split('\n').at(-1)!) as Record<string, number> };
}

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[v.length >> 1]!;
}

/** What scanScored found: the CLI's exit and stderr, its score against the lab's truth, and its summary's timing (null when it failed). */
export interface ScoredScan {
  code: number | null;
  stderr: string;
  score: Score;
  timing: { retries: number; retriesAnswered: number; windowShrinks: Record<string, number> } | null;
}

/**
 * shardscan at its defaults on ports 1-`ports` of `host`, inside the lab's
 * scanner namespace (every state as NDJSON, quiet, no shard directory, with
 * --summary-json), scored against the lab's ground truth. `args` add to it.
 */
export async function scanScored(lab: Lab, host: string, ports: number, args: readonly string[] = []): Promise<ScoredScan> {
  const summary = join(scratchDir(), 'summary.json');
  const r = await runCli([host, '-p', `1-${ports}`, ...args, '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', '--summary-json', summary], { prefix: lab.prefix });
  const truth = lab.groundTruth([host], Array.from({ length: ports }, (_, i) => i + 1));
  // A scan that failed may have written no summary; its code and stderr say why.
  const timing = r.code === 0 ? (JSON.parse(readFileSync(summary, 'utf8')) as { timing: ScoredScan['timing'] }).timing : null;
  return { code: r.code, stderr: r.stderr, score: score(truth, ndjson(r.stdout) as unknown as Reported[]), timing };
}

/**
 * Scan `ports` of `host` at the defaults and expect what a limiter must not
 * change: exit 0, a clean relay, every port right, and a window that shrank
 * (it slowed to what the limiter passes).
 */
export async function expectExactSlowed(lab: Lab, host: string, ports: number): Promise<void> {
  const r = await scanScored(lab, host, ports, ['--seed', '2']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect((await lab.stats()).clean).toBe(true);
  expect(r.score.examples).toEqual([]);
  expect(r.score.exact).toBe(true);
  const shrinks = Object.values(r.timing?.windowShrinks ?? {}).reduce((a, b) => a + b, 0);
  expect(shrinks).toBeGreaterThan(0);
}
