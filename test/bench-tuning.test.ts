/**
 * The rule of what `npm run bench -- --save` may store (bench/tuning.ts): a
 * loopback winner is only a candidate; it is stored when it was exact and no
 * slower than the defaults through the lab at RTT 20 and 200 ms, otherwise
 * its worker count with the default window is tried, otherwise the defaults.
 */
import { describe, expect, it } from 'vitest';
import type { NetCheckRow } from '../bench/net-types.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_SLOWER, candidates, cliDefaults, decideTuning, passes } from '../bench/tuning.js';
import { scratchDir } from './helpers/cli.js';

const defaults = { workers: 2, concurrency: 15936 };

function row(scenario: string, workers: number, concurrency: number, medianMs: number, defaultsMs: number, exact = true): NetCheckRow {
  return { scenario, workers, concurrency, medianMs, defaultsMs, exact };
}

describe('bench tuning rule', () => {
  it.each([
    ['a narrow loopback winner, then its workers with the default window', { workers: 1, concurrency: 256 }, [{ workers: 1, concurrency: 256 }, { workers: 1, concurrency: 15936 }]],
    ['a narrow winner with the default workers: only itself (the other would be the defaults)', { workers: 2, concurrency: 1024 }, [{ workers: 2, concurrency: 1024 }]],
    ['the defaults themselves: nothing to check', defaults, []],
    ['no loopback winner: nothing', null, []],
  ])('candidates: %s', (_what, best, want) => {
    expect(candidates(best, defaults)).toEqual(want);
  });

  it('passes only when exact and no slower than the defaults on rtt20 and rtt200', () => {
    const c = { workers: 1, concurrency: 256 };
    expect(passes(c, [row('rtt20', 1, 256, 900, 900), row('rtt200', 1, 256, 1000, 1000 / NO_SLOWER + 1)])).toBe(true);
    // Slower than the tolerance at 200 ms: a loopback-only setting that makes real networks slower.
    expect(passes(c, [row('rtt20', 1, 256, 900, 900), row('rtt200', 1, 256, 8000, 1000)])).toBe(false);
    // Fast but inexact.
    expect(passes(c, [row('rtt20', 1, 256, 500, 900, false), row('rtt200', 1, 256, 500, 1000)])).toBe(false);
    // Checked on one scenario only (the other void): not enough to store it.
    expect(passes(c, [row('rtt20', 1, 256, 500, 900)])).toBe(false);
    // Rows of another candidate do not count for this one.
    expect(passes(c, [row('rtt20', 1, 15936, 500, 900), row('rtt200', 1, 15936, 500, 1000)])).toBe(false);
  });

  // Without the lab only the window was checked: "one worker" at the default window, a loopback pick, was stored,
  // though nothing had measured it on a network.
  it('without a network check, a worker count picked on loopback is not stored, and an older tuning file goes', async () => {
    const d = cliDefaults();
    const file = join(scratchDir(), 'tuning.json');
    writeFileSync(file, JSON.stringify({ workers: 1, concurrency: 333, measuredAt: '2026-12-01T00:00:00Z' }));
    const best = { workers: d.workers === 1 ? 2 : 1, concurrency: 256 };
    const decision = await decideTuning({ best, check: false, runs: 1, save: true, tuningFile: file, measuredAt: new Date().toISOString(), log: () => undefined });
    expect(decision.pick).toBeNull();
    expect(decision.rule).toMatch(/with the default worker count/);
    expect(decision.savedTo).toBeNull();
    expect(decision.removed).toBe(file);
    expect(existsSync(file)).toBe(false);
  });
});
