/**
 * What the network part runs: which lab scenarios, which tools on each, how
 * many runs and how long one run may take. Budget: the network part took
 * ~10 minutes of the full bench's ~19 on the 2-core reference machine
 * (2026-12-05); the Node floor adds about what cscan takes (a fixed 1 s
 * timeout and one retry, like it: ~1-2 minutes).
 *
 * nmap -T4 is slow wherever round trips are long (its own RTT estimate and
 * timing template): ~60 s a run at RTT 200 ms, ~106 s at 400, ~170 s with
 * 2 % loss, over 180 s on the dead /24, 11-33 s on the firewalled host, ~77 s
 * with RTT 200 ± 180 ms, ~85 s on 40,000 ports with 2 % loss, ~20 s on 20
 * firewalled hosts with 10 % loss, ~89 s on 9 hosts × 2,000 mostly dropped ports with 7-10 % loss. It
 * runs where a goal uses it (ratelimit, ~43 s) and where it is cheap (rtt0,
 * rtt20, icmp: under 2 s; mixed: ~3.6 s; congested: ~4.5 s; subnet: ~5.4 s; rstlimit: ~4.9 s); elsewhere it is skipped, and the report says so. A run that reaches the cap is killed, reported "over cap" (its time
 * a lower bound), and the tool gets no further runs on that scenario.
 */
import { SCENARIO_IDS, type ScenarioId } from '../lab/scenarios.js';
import type { NetToolId } from './net-types.js';

/** The network workloads: the lab's scenarios plus the banner workload. */
export const NET_SCENARIOS: readonly ScenarioId[] = SCENARIO_IDS;
export const BANNERS = 'banners';
export type NetWorkloadId = ScenarioId | typeof BANNERS;

/** Where nmap -T4 is not run, and why (measured 2026-11 through this lab). */
export const T4_SKIPPED: Partial<Record<ScenarioId, string>> = {
  rtt200: 'nmap -T4 skipped: ~60 s a run at RTT 200 ms, and no goal uses it here',
  rtt400: 'nmap -T4 skipped: ~106 s a run at RTT 400 ms, and no goal uses it here',
  loss2: 'nmap -T4 skipped: ~170 s a run with 2 % loss, and no goal uses it here',
  dead24: 'nmap -T4 skipped: over 180 s on the dead /24 (64 of 256 hosts in 180 s), and no goal uses it here',
  firewalled: 'nmap -T4 skipped: 11-33 s a run on 900 dropped ports, and no goal uses it here',
  sharedlimit: 'nmap -T4 skipped: ~68 s a run behind the shared limit, and no goal uses it here',
  jitter: 'nmap -T4 skipped: ~77 s a run at RTT 200 ± 180 ms (exact), and no goal uses it here',
  longloss: 'nmap -T4 skipped: ~85 s a run on 40,000 ports with 2 % loss (exact), and no goal uses it here',
  mixloss: 'nmap -T4 skipped: minutes a run on 20,000 ports at up to 390 ms with 5 % loss, and no goal uses it here',
  heavyloss: 'nmap -T4 skipped: minutes a run on 20,000 ports at up to 390 ms with 15 % loss, and no goal uses it here',
  fwloss: 'nmap -T4 skipped: ~20 s a run on 20 firewalled hosts with 10 % loss (not exact either), and no goal uses it here',
  fwdeep: 'nmap -T4 skipped: ~89 s a run on 9 hosts × 2,000 mostly dropped ports with 7-10 % loss (exact), and no goal uses it here',
};

const ALL_TOOLS: readonly NetToolId[] = ['cscan', 'nodefloor', 'nmap-t5', 'nmap-t4', 'shardscan'];

export interface NetPlan {
  /** Scenarios to run, in order. */
  scenarios: ScenarioId[];
  /** The banner workload too. */
  banners: boolean;
  runs: number;
  /** Cap on one run, ms. */
  capMs: number;
  /** Tools per scenario; nmap tools are dropped when nmap is not installed. */
  tools(id: ScenarioId): NetToolId[];
  /** The banner workload's size: ports scanned and services among them. */
  bannerPorts: number;
  bannerServices: number;
  seed: number;
}

/**
 * The network plan. Quick: a smoke run that exercises the lab path in CI
 * (rtt20 with cscan and shardscan, one run each, and a small banner workload).
 */
export function makeNetPlan(quick: boolean, selected: readonly NetWorkloadId[], nmap: boolean, seed = 1): NetPlan {
  const withNmap = (ids: readonly NetToolId[]) => ids.filter((t) => nmap || !t.startsWith('nmap'));
  if (quick) {
    return {
      scenarios: selected.filter((s): s is ScenarioId => s !== BANNERS),
      banners: selected.includes(BANNERS),
      runs: 1,
      capMs: 30_000,
      tools: () => ['cscan', 'shardscan'],
      bannerPorts: 1000,
      bannerServices: 10,
      seed,
    };
  }
  return {
    scenarios: NET_SCENARIOS.filter((s) => selected.includes(s)),
    banners: selected.includes(BANNERS),
    runs: 3,
    capMs: 90_000,
    tools: (id) => withNmap(ALL_TOOLS.filter((t) => t !== 'nmap-t4' || !T4_SKIPPED[id])),
    bannerPorts: 10_000,
    bannerServices: 50,
    seed,
  };
}

/** Tools that were left out of a scenario, with the reason. */
export function skippedTools(id: ScenarioId, plan: NetPlan, nmap: boolean, quick: boolean): Array<{ tool: NetToolId; why: string }> {
  const ran = new Set(plan.tools(id));
  return ALL_TOOLS.filter((t) => !ran.has(t)).map((tool) => ({
    tool,
    why: quick ? '--quick runs only cscan and shardscan' : !nmap && tool.startsWith('nmap') ? 'nmap is not installed (apt-get install -y nmap)' : (T4_SKIPPED[id] ?? 'not planned'),
  }));
}
