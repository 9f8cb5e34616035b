/**
 * The network part of the bench: every planned lab scenario (lab/scenarios.ts)
 * with cscan (the C floor), nodefloor (the Node floor), nmap -T5 and -T4,
 * and shardscan at its defaults, each run timed inside the scanner namespace
 * and scored against the lab's ground truth (lab/runner.ts runOnce). Runs
 * are interleaved tool by tool, so a slow spell of the machine does not land
 * on one tool; a run during which the lab lost packets other than on purpose
 * is void and left out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../lab/lab.js';
import { labUnavailable } from '../lab/netns.js';
import { type Scenario, type ScenarioId, scenario as makeScenario } from '../lab/scenarios.js';
import { TOOLS, type Tool } from '../lab/tools.js';
import type { GroundTruth } from '../lab/truth.js';
import { runBannerWorkload } from './net-banners.js';
import { type NetPlan, skippedTools } from './net-plan.js';
import { type Log, displayCommand, measureRun, medianOf, runLine } from './net-runs.js';
import type { NetRun, NetScenarioResult, NetSection, NetToolId, NetToolResult } from './net-types.js';
import { scratchDir } from '../lab/scratch.js';

function toolResult(tool: NetToolId, command: string, runs: NetRun[]): NetToolResult {
  const m = medianOf(runs);
  const valid = runs.filter((r) => r.void.length === 0);
  return {
    tool,
    command,
    skipped: null,
    runs,
    medianMs: m ? m.wallMs : null,
    lowerBound: valid.some((r) => r.overCap),
    validRuns: valid.length,
    exactRuns: valid.filter((r) => r.score.exact && !r.overCap).length,
  };
}

/** Build one scenario's lab, run its tools `plan.runs` times interleaved, tear it down. */
async function runScenarioPlan(id: ScenarioId, plan: NetPlan, skipped: NetToolResult[], log: Log): Promise<NetScenarioResult> {
  const s: Scenario = makeScenario(id, plan.seed);
  const tools: Tool[] = plan.tools(id).map((t) => TOOLS[t]!);
  const scratch = scratchDir('shardscan-bench-net-');
  const lab = await Lab.create(s.lab);
  try {
    for (const l of s.listeners) await lab.listen(l.host, l.ports);
    const truth: GroundTruth = lab.groundTruth(s.hosts, s.ports);
    const runs = new Map<string, NetRun[]>(tools.map((t) => [t.id, []]));
    log(`${id}: ${s.description}; ${tools.map((t) => t.id).join(', ')} × ${plan.runs}`);
    for (let i = 0; i < plan.runs; i++) {
      for (const tool of tools) {
        const mine = runs.get(tool.id)!;
        // A tool that reached the cap once would only reach it again.
        if (mine.some((r) => r.overCap)) continue;
        const r = await measureRun(lab, s, truth, tool, plan.capMs, scratch);
        mine.push(r);
        log(runLine(`${tool.id} run ${i + 1}/${plan.runs}`, r));
      }
    }
    return {
      id,
      // lab/scenarios.ts describes rtt20 and the like relative to rtt0 ("the same, ...").
      description: s.description.replace(/^the same, /, '1 host × 10,000 ports, 20 open, '),
      seed: plan.seed,
      truth: { targets: truth.size, ...truth.counts },
      capMs: plan.capMs,
      tools: [...tools.map((t) => toolResult(t.id as NetToolId, displayCommand(t.argv(s)), runs.get(t.id)!)), ...skipped],
    };
  } finally {
    await lab.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Run the network part; when the lab cannot run here, say why and measure nothing. */
export async function runNet(plan: NetPlan, opts: { quick: boolean; nmapVersion: string | null; log: Log; live?: (scenarios: NetScenarioResult[]) => void }): Promise<NetSection> {
  const why = labUnavailable();
  const base = { nmapVersion: opts.nmapVersion, runs: plan.runs, scenarios: [], banners: null };
  if (why) return { ...base, available: false, note: `the network workloads need the lab, which cannot run here: ${why}` };
  const scenarios: NetScenarioResult[] = [];
  // Filled in place, scenario by scenario: what a Ctrl+C keeps (bench/interrupted.ts).
  opts.live?.(scenarios);
  for (const id of plan.scenarios) {
    const skipped = skippedTools(id, plan, opts.nmapVersion !== null, opts.quick).map(
      ({ tool, why: reason }): NetToolResult => ({ tool, command: '', skipped: reason, runs: [], medianMs: null, lowerBound: false, validRuns: 0, exactRuns: 0 }),
    );
    scenarios.push(await runScenarioPlan(id, plan, skipped, opts.log));
  }
  const banners = plan.banners ? await runBannerWorkload(plan, opts.log) : null;
  return {
    ...base,
    available: true,
    note: `through the lab (lab/): wall time spawn to exit inside the scanner namespace, medians of ${plan.runs} interleaved run(s), cap ${plan.capMs / 1000} s a run; shardscan at its defaults, cscan (the C floor) at 2 threads × 4096, nodefloor (cscan's loop in Node, lab/node-floor.cts) at 1 thread × 8192, both timeout 1000 ms, 1 retry`,
    scenarios,
    banners,
  };
}
