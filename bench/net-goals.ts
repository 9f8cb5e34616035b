/**
 * The network targets, judged from one run's figures: shardscan at its
 * defaults through the lab against the C floor (cscan), nmap -T5 and -T4,
 * and against itself; where the Node floor ran, its own ratio to the same
 * yardstick is quoted too. Pure functions; a goal whose workload did not run
 * is left out, one whose yardstick is missing (no nmap) says "not measured".
 */
import type { NetScenarioResult, NetSection, NetToolId, NetToolResult } from './net-types.js';
import type { Goal } from './types.js';

/** The targets, as factors of the yardstick's median wall time. */
export const NET_GOALS = {
  rtt20VsT5: 1,
  rtt200VsFloor: 1.3,
  dead24VsFloor: 1.3,
  firewalledVsT5: 1,
  ratelimitVsT4: 0.8,
  loss2VsRtt200: 1.5,
  /** --banners: withMs ≤ this × (withoutMs + one banner timeout). */
  banners: 1.5,
} as const;

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function tool(s: NetScenarioResult | undefined, id: NetToolId): NetToolResult | undefined {
  return s?.tools.find((t) => t.tool === id && t.skipped === null);
}

/** "3/3 exact" and the worst mistake, for one tool. */
export function exactText(t: NetToolResult): string {
  const bad = t.runs.filter((r) => r.void.length === 0 && !(r.score.exact && !r.overCap));
  const voids = t.runs.filter((r) => r.void.length > 0).length;
  const head = `${t.exactRuns}/${t.validRuns} exact${voids ? ` (+${voids} void)` : ''}`;
  if (bad.length === 0) return head;
  const r = bad[0]!.score;
  return `${head}; e.g. open ${r.openFound}/${r.expectedOpen}, false open ${r.falseOpens}, closed→filtered ${r.closedAsFiltered}, filtered→closed ${r.filteredAsClosed}, missing ${r.missing}${bad[0]!.overCap ? ', over cap' : ''}`;
}

const allExact = (t: NetToolResult | undefined) => !!t && t.validRuns > 0 && t.exactRuns === t.validRuns;

/**
 * shardscan's median against `factor` × the yardstick's. A yardstick that hit
 * the cap only has a lower bound: the goal holds if shardscan beats even that.
 */
function vsGoal(id: string, goal: string, s: NetScenarioResult | undefined, yard: NetToolId, factor: number, requireExact = false, quick = false): Goal | null {
  if (!s) return null;
  const ours = tool(s, 'shardscan');
  const theirs = tool(s, yard);
  // --quick leaves nmap out on purpose: a goal it cannot measure is not listed at all.
  if (quick && !theirs) return null;
  if (!ours?.medianMs || !theirs?.medianMs) {
    return { id, group: 'network', goal, holds: false, measured: `not measured (${!ours?.medianMs ? 'no valid shardscan run' : `${yard} did not run: ${s.tools.find((t) => t.tool === yard)?.skipped ?? 'no valid run'}`})` };
  }
  const limit = theirs.medianMs * factor;
  const fast = ours.medianMs <= limit;
  const exact = !requireExact || allExact(ours);
  // The Node floor against the same yardstick: whether any Node scanner could meet the goal here.
  const floor = tool(s, 'nodefloor');
  const floorText = floor?.medianMs ? `; the Node floor ${floor.lowerBound ? '≥ ' : ''}${sec(floor.medianMs)}: ${(floor.medianMs / theirs.medianMs).toFixed(2)}×` : '';
  return {
    id,
    group: 'network',
    goal,
    holds: fast && exact,
    measured:
      `shardscan ${sec(ours.medianMs)} [${ours.validRuns}], ${yard} ${theirs.lowerBound ? '≥ ' : ''}${sec(theirs.medianMs)} [${theirs.validRuns}]: ` +
      `${(ours.medianMs / theirs.medianMs).toFixed(2)}× (limit ${factor}×${theirs.lowerBound ? ', against a lower bound' : ''})${requireExact ? `; shardscan ${exactText(ours)}` : ''}${floorText}`,
  };
}

/** The network goals for the scenarios and workloads that ran (`quick`: only those its tools can measure). */
export function evaluateNetGoals(net: NetSection, quick = false): Goal[] {
  if (!net.available) {
    return [{ id: 'net', group: 'network', goal: 'network workloads through the lab', holds: false, measured: `not measured: ${net.note}` }];
  }
  const by = (id: string) => net.scenarios.find((s) => s.id === id);
  const goals: Array<Goal | null> = [];
  if (net.scenarios.length > 0 || net.banners) {
    const per = net.scenarios.map((s) => ({ id: s.id, t: tool(s, 'shardscan') }));
    const bannerRuns = net.banners?.runs.filter((r) => r.void.length === 0) ?? [];
    const bannersExact = bannerRuns.every((r) => r.score.exact && !r.overCap);
    const bad = per.filter((p) => !allExact(p.t));
    goals.push({
      id: 'net-exact',
      group: 'network',
      goal: 'shardscan exact in every run of every scenario (every open port found, no false open, no closed↔filtered mistake)',
      holds: bad.length === 0 && bannersExact,
      measured: [
        ...per.map((p) => `${p.id} ${p.t ? exactText(p.t) : 'not run'}`),
        ...(net.banners ? [`banners ${bannerRuns.filter((r) => r.score.exact && !r.overCap).length}/${bannerRuns.length} exact`] : []),
      ].join('; '),
    });
  }
  goals.push(
    vsGoal('rtt20-vs-t5', '1 host × 10,000 ports at RTT 20 ms: no slower than nmap -T5', by('rtt20'), 'nmap-t5', NET_GOALS.rtt20VsT5, false, quick),
    vsGoal('rtt200-vs-floor', `1 host × 10,000 ports at RTT 200 ms: within ${NET_GOALS.rtt200VsFloor} × the C floor`, by('rtt200'), 'cscan', NET_GOALS.rtt200VsFloor, false, quick),
    vsGoal('dead24-vs-floor', `a dead /24 × 16 ports at RTT 20 ms: within ${NET_GOALS.dead24VsFloor} × the C floor`, by('dead24'), 'cscan', NET_GOALS.dead24VsFloor, false, quick),
    vsGoal('firewalled-vs-t5', '900 of 1,000 ports dropped, RTT 200 ms: no slower than nmap -T5', by('firewalled'), 'nmap-t5', NET_GOALS.firewalledVsT5, false, quick),
    vsGoal('ratelimit-vs-t4', `SYN limit 3,000/s on 10,000 ports: exact, in ≤ ${NET_GOALS.ratelimitVsT4} × nmap -T4's time`, by('ratelimit'), 'nmap-t4', NET_GOALS.ratelimitVsT4, true, quick),
  );
  const loss = tool(by('loss2'), 'shardscan');
  const clean = tool(by('rtt200'), 'shardscan');
  if (by('loss2')) {
    const ok = !!loss?.medianMs && !!clean?.medianMs;
    goals.push({
      id: 'loss2-vs-rtt200',
      group: 'network',
      goal: `2 % loss each way: within ${NET_GOALS.loss2VsRtt200} × shardscan's own loss-free time (rtt200)`,
      holds: ok && loss.medianMs! <= NET_GOALS.loss2VsRtt200 * clean.medianMs!,
      measured: ok ? `loss2 ${sec(loss.medianMs!)}, rtt200 ${sec(clean.medianMs!)}: ${(loss.medianMs! / clean.medianMs!).toFixed(2)}×; loss2 ${exactText(loss)}` : 'not measured (needs rtt200 and loss2 in the same run)',
    });
  }
  const b = net.banners;
  if (b) {
    const ok = b.withMs !== null && b.withoutMs !== null && b.ratio !== null;
    goals.push({
      id: 'banners',
      group: 'network',
      goal: `${b.description}: --banners in ≤ ${NET_GOALS.banners} × (time without + one banner timeout of ${b.bannerTimeoutMs / 1000} s), every service detected`,
      holds: ok && b.ratio! <= NET_GOALS.banners && b.allDetected,
      measured: ok
        ? `with ${sec(b.withMs!)}, without ${sec(b.withoutMs!)}: ${b.ratio}× of (without + ${b.bannerTimeoutMs / 1000} s); ${(b.withMs! / b.withoutMs!).toFixed(2)}× the time without; services detected in every --banners run: ${b.allDetected ? 'yes' : 'NO'} (${b.runs.filter((r) => r.banners).map((r) => `${r.detected}/${b.services.ssh + b.services.http}`).join(', ')})`
        : 'not measured (no valid run)',
    });
  }
  return goals.filter((g): g is Goal => g !== null);
}
