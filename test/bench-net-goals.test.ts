/**
 * The bench's network goals (bench/net-goals.ts) judged from made-up lab
 * figures: a goal holds when shardscan's median is within the factor of its
 * yardstick's, and says what the Node floor did against the same yardstick.
 */
import { describe, expect, it } from 'vitest';
import { evaluateNetGoals } from '../bench/net-goals.js';
import type { NetRun, NetScenarioResult, NetSection, NetToolId, NetToolResult } from '../bench/net-types.js';

const exactRun = (wallMs: number): NetRun => ({
  wallMs,
  scanMs: null,
  exitCode: 0,
  overCap: false,
  void: [],
  maxLateUs: 0,
  stealMs: 0,
  score: { targets: 10, expectedOpen: 1, openFound: 1, falseOpens: 0, closedAsFiltered: 0, filteredAsClosed: 0, openMissed: 0, missing: 0, unexpected: 0, exact: true, approximate: false, examples: [] },
});

const ran = (tool: NetToolId, medianMs: number): NetToolResult => ({ tool, command: tool, skipped: null, runs: [exactRun(medianMs)], medianMs, lowerBound: false, validRuns: 1, exactRuns: 1 });

const scenario = (id: string, tools: NetToolResult[]): NetScenarioResult => ({ id, description: id, seed: 1, truth: { targets: 10, open: 1, closed: 9, filtered: 0 }, capMs: 90_000, tools });

const section = (scenarios: NetScenarioResult[]): NetSection => ({ available: true, note: '', nmapVersion: '7.93', runs: 1, scenarios, banners: null });

const goal = (s: NetSection, id: string) => evaluateNetGoals(s).find((g) => g.id === id)!;

describe('network goals', () => {
  it('rtt20 holds at or under nmap -T5 and fails above it', () => {
    expect(goal(section([scenario('rtt20', [ran('nmap-t5', 360), ran('shardscan', 360)])]), 'rtt20-vs-t5').holds).toBe(true);
    const g = goal(section([scenario('rtt20', [ran('nmap-t5', 360), ran('shardscan', 660)])]), 'rtt20-vs-t5');
    expect(g.holds).toBe(false);
    expect(g.measured).toMatch(/^shardscan 0\.66 s \[1\], nmap-t5 0\.36 s \[1\]: 1\.83× \(limit 1×\)$/);
  });

  it("quotes the Node floor's own ratio to the same yardstick when it ran", () => {
    const s = section([
      scenario('rtt20', [ran('cscan', 260), ran('nodefloor', 420), ran('nmap-t5', 360), ran('shardscan', 660)]),
      scenario('rtt200', [ran('cscan', 510), ran('nodefloor', 710), ran('shardscan', 870)]),
    ]);
    expect(goal(s, 'rtt20-vs-t5').measured).toMatch(/; the Node floor 0\.42 s: 1\.17×$/);
    const g = goal(s, 'rtt200-vs-floor');
    expect(g.holds).toBe(false);
    expect(g.measured).toMatch(/cscan 0\.51 s \[1\]: 1\.71× \(limit 1\.3×\); the Node floor 0\.71 s: 1\.39×$/);
  });

  it('says "not measured" when the yardstick did not run', () => {
    const skipped: NetToolResult = { ...ran('nmap-t5', 0), skipped: 'nmap is not installed', runs: [], medianMs: null, validRuns: 0, exactRuns: 0 };
    const g = goal(section([scenario('firewalled', [skipped, ran('shardscan', 660)])]), 'firewalled-vs-t5');
    expect(g.holds).toBe(false);
    expect(g.measured).toBe('not measured (nmap-t5 did not run: nmap is not installed)');
  });
});
