/**
 * Run scanners through a scenario's lab and score them: wall time (spawn to
 * exit, inside the scanner namespace) and accuracy against the ground truth.
 * A run through a lab that lost packets other than on purpose is marked void.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv } from '../src/cli/node-flags.js';
import { Lab, problemsSince } from './lab.js';
import { scratchDir } from './scratch.js';
import { scenario as makeScenario, type Scenario, type ScenarioId, withLoss } from './scenarios.js';
import { parseOutput, type Tool } from './tools.js';
import { type GroundTruth, score, type Score } from './truth.js';

const scoreParsed = (truth: GroundTruth, p: ReturnType<typeof parseOutput>) => score(truth, p.records, p.bulk);

/** One run of one tool. */
export interface RunResult {
  tool: string;
  wallMs: number;
  exitCode: number | null;
  /** Killed at the time cap (the score covers what it printed before). */
  timedOut: boolean;
  score: Score;
  /** Why the run does not count (packets lost other than on purpose, the tool exiting non-zero); empty when it counts. */
  void: string[];
  /** The relay's worst release lateness during the run, µs (both directions). */
  maxLateUs: number;
  /**
   * CPU time the hypervisor took from this VM during the run (ms, all CPUs,
   * /proc/stat "steal"): the relay's big lateness spikes coincide with it.
   */
  stealMs: number;
  stderrTail: string;
}

/** Every run of one tool on one scenario, and the median. */
export interface ToolReport {
  tool: string;
  runs: RunResult[];
  /** Median wall time of the valid runs (ms), null if none. */
  medianMs: number | null;
  /** The run at the median (its score is the one quoted). */
  median: RunResult | null;
}

export interface ScenarioReport {
  scenario: ScenarioId;
  description: string;
  seed: number;
  truth: { targets: number; open: number; closed: number; filtered: number };
  tools: ToolReport[];
}

export interface RunOptions {
  runs?: number;
  seed?: number;
  /** Cap on one run, ms (nmap -T4 at 400 ms RTT can take minutes). */
  timeoutMs?: number;
  /** Random loss each way, %, in place of the scenario's own (heavier loss than the bench measures). */
  lossPct?: number;
  log?: (line: string) => void;
}

/** Run `argv` inside the scanner namespace, collect stdout, kill it at `timeoutMs`. */
function runIn(lab: Lab, argv: [string, string[]], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const [cmd, args] = lab.argv(argv[0], argv[1]);
  const t0 = performance.now();
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise<{ stdout: string; stderr: string; code: number | null; wallMs: number; timedOut: boolean }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ stdout: Buffer.concat(out).toString(), stderr: err, code, wallMs: performance.now() - t0, timedOut });
    });
  });
}

/** Wait until nothing is queued in the relay (the previous run's last packets are through). */
async function drain(lab: Lab): Promise<void> {
  const quiet = lab.link.toTarget.delayMs + lab.link.toScanner.delayMs + lab.link.toTarget.jitterMs + lab.link.toScanner.jitterMs + 50;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, quiet));
    const s = await lab.stats();
    if (s.relay.ab.queued === 0 && s.relay.ba.queued === 0) return;
  }
}

/** Total steal time of all CPUs so far, ms (/proc/stat, USER_HZ = 100). */
function stealMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(cpu[8] ?? 0) * 10;
}

/**
 * Run one tool once through `lab` and score it. `onStdout` sees the tool's
 * whole output (the bench reads shardscan's --banners fields from it); the
 * result keeps only the score.
 */
export async function runOnce(lab: Lab, s: Scenario, truth: GroundTruth, tool: Tool, timeoutMs: number, scratch: string, onStdout?: (stdout: string) => void): Promise<RunResult> {
  await drain(lab);
  const before = await lab.stats();
  // As the bin's shebang gives it to Node (src/cli/node-flags.ts); the other tools read neither variable.
  const env = cliEnv({ ...process.env, SHARDSCAN_CONFIG_DIR: join(scratch, 'config') });
  const steal0 = stealMs();
  const r = await runIn(lab, tool.argv(s), env, timeoutMs);
  const steal = stealMs() - steal0;
  onStdout?.(r.stdout);
  const after = await lab.stats();
  const problems = problemsSince(before, after);
  // A tool that failed (a refused option, a crash) printed little or nothing:
  // scored, it would look like a fast and inaccurate run. It does not count.
  if (!r.timedOut && r.code !== 0) problems.push(`the tool exited ${r.code === null ? 'on a signal' : `with ${r.code}`}: ${r.stderr.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? ''}`);
  return {
    tool: tool.id,
    wallMs: r.wallMs,
    exitCode: r.code,
    timedOut: r.timedOut,
    score: scoreParsed(truth, parseOutput(tool.format, r.stdout, s)),
    void: problems,
    maxLateUs: Math.max(after.relay.ab.recentMaxLateUs, after.relay.ba.recentMaxLateUs),
    stealMs: steal,
    stderrTail: r.stderr.trim().split('\n').slice(-3).join(' | '),
  };
}

function medianRun(runs: RunResult[]): RunResult | null {
  const valid = runs.filter((r) => r.void.length === 0).sort((a, b) => a.wallMs - b.wallMs);
  return valid.length === 0 ? null : valid[(valid.length - 1) >> 1]!;
}

/** Build the scenario's lab once, run every tool `runs` times (interleaved), tear it down. */
export async function runScenario(id: ScenarioId, tools: readonly Tool[], opts: RunOptions = {}): Promise<ScenarioReport> {
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 3;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const log = opts.log ?? (() => {});
  const s = opts.lossPct === undefined ? makeScenario(id, seed) : withLoss(makeScenario(id, seed), opts.lossPct);
  const scratch = scratchDir('shardscan-lab-');
  const lab = await Lab.create(s.lab).catch((err: unknown) => {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  });
  try {
    for (const l of s.listeners) await lab.listen(l.host, l.ports);
    const truth = lab.groundTruth(s.hosts, s.ports);
    const results = new Map<string, RunResult[]>(tools.map((t) => [t.id, []]));
    // Interleaved (a b c a b c ...), so a slow spell of the machine does not land on one tool.
    for (let i = 0; i < runs; i++) {
      for (const tool of tools) {
        const r = await runOnce(lab, s, truth, tool, timeoutMs, scratch);
        results.get(tool.id)!.push(r);
        log(`${id} ${tool.id} run ${i + 1}/${runs}: ${(r.wallMs / 1000).toFixed(2)} s, open ${r.score.openFound}/${r.score.expectedOpen}` +
          `, false open ${r.score.falseOpens}, closed→filtered ${r.score.closedAsFiltered}, filtered→closed ${r.score.filteredAsClosed}` +
          `, missing ${r.score.missing}, relay late max ${r.maxLateUs.toFixed(0)} µs, steal ${r.stealMs} ms${r.timedOut ? ', TIMED OUT' : ''}${r.void.length ? `, VOID: ${r.void.join('; ')}` : ''}`);
      }
    }
    return {
      scenario: id,
      description: s.description,
      seed,
      truth: { targets: truth.size, ...truth.counts },
      tools: tools.map((t) => {
        const rs = results.get(t.id)!;
        const median = medianRun(rs);
        return { tool: t.id, runs: rs, medianMs: median?.wallMs ?? null, median };
      }),
    };
  } finally {
    await lab.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
}
