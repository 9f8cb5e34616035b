/**
 * The lab's table shows every kind of mistake. Records in another state
 * (`error`, as --host-timeout leaves them) or outside the scan were only in
 * its JSON: a run that gave up 9,446 of 10,000 ports read "missing 0,
 * closed→filt 0" in the table.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../lab/run-scenario.js';
import type { RunResult, ScenarioReport } from '../lab/runner.js';
import { scenario, withLoss } from '../lab/scenarios.js';
import type { Score } from '../lab/truth.js';

function run(wallMs: number, over: Partial<Score>): RunResult {
  const score: Score = { targets: 10_000, expectedOpen: 20, openFound: 20, falseOpens: 0, closedAsFiltered: 0, filteredAsClosed: 0, openMissed: 0, missing: 0, unexpected: 0, exact: true, approximate: false, examples: [], ...over };
  return { tool: 'shardscan', wallMs, exitCode: 0, timedOut: false, score, void: [], maxLateUs: 120, stealMs: 0, stderrTail: '' };
}

describe('the lab table', () => {
  it('has columns for records in another state and for exact runs', () => {
    const runs = [run(1000, {}), run(1200, { openFound: 3, unexpected: 9446, exact: false }), run(1400, {})];
    const report: ScenarioReport = { scenario: 'rtt200', description: '', seed: 1, truth: { targets: 10_000, open: 20, closed: 9980, filtered: 0 }, tools: [{ tool: 'shardscan', runs, medianMs: 1200, median: runs[1]! }] };
    const [head, row, truth] = renderTable([report]).split('\n');
    const cells = (line: string): string[] => line.split(/\s{2,}/);
    expect(cells(head!)).toEqual(['scenario', 'tool', 'median s', 'runs s', 'open found', 'false open', 'closed→filt', 'filt→closed', 'missing', 'other', 'exact', 'relay late µs']);
    expect(cells(row!)).toEqual(['rtt200', 'shardscan', '1.20', '1.00 1.20 1.40', '3/20', '0', '0', '0', '0', '9446', '2/3', '120']);
    // What the counts are read against, as the bench's table gives it (it was not in the table).
    expect(truth).toBe('truth of rtt200: 20 open, 9,980 closed, 0 filtered of 10,000');
  });
});

describe('run-scenario refusals', () => {
  it('an unknown option is one line and exit 2, before any lab is built (it printed the whole usage after it)', () => {
    const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '../dist/lab/run-scenario.js'), 'rtt20', '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("run-scenario: Unknown option '--bogus' (see --help)\n");
  });

  it('a --loss that is not a share of packets is one line and exit 2, before any lab is built', () => {
    for (const [v, line] of [['150', "run-scenario: --loss must be a share of packets from 0 to 100, got '150'. Example: --loss 15\n"], ['x', "run-scenario: --loss must be a number of at least 0, got 'x'. Example: --loss 15\n"]]) {
      const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '../dist/lab/run-scenario.js'), 'mixloss', '--loss', v!], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(line);
    }
  });
});

describe('--loss', () => {
  it("replaces the scenario's random loss each way and says so in its description, the rest of its lab as it was", () => {
    const s = scenario('mixloss', 1);
    const heavy = withLoss(s, 15);
    expect(heavy.lab).toEqual({ ...s.lab, lossPct: 15 });
    expect(s.lab.lossPct).toBe(5);
    expect(heavy.description).toBe(`${s.description}; 15 % loss each way (--loss)`);
    expect(heavy.listeners).toEqual(s.listeners);
  });
});
