/**
 * bench --target's judgement of a setting (bench/target.ts judge): every port
 * any run found open is open and every port any run found closed (and none
 * open) is closed; a setting that called one of them anything else in any
 * run is unsafe.
 */
import { describe, expect, it } from 'vitest';
import { judge } from '../bench/target.js';

type States = Record<string, string>;

function run(states: States) {
  const counts = { open: 0, closed: 0, filtered: 0, error: 0 };
  for (const st of Object.values(states)) counts[st as keyof typeof counts]++;
  return { wallMs: 100, elapsedMs: 50, counts, states: new Map(Object.entries(states)) };
}

function judged(runs: Record<string, States[]>) {
  const planned = Object.keys(runs).map((label) => ({ label, flags: label === 'defaults' ? [] : ['--concurrency', '8'] }));
  const settings = new Map(Object.keys(runs).map((label) => [label, { workers: 1, concurrency: 8 }]));
  const all = new Map(Object.entries(runs).map(([label, rs]) => [label, rs.map(run)]));
  const out = judge(planned, all, settings);
  return { ...out, by: Object.fromEntries(out.settings.map((s) => [s.label, s])) };
}

describe('bench --target judge', () => {
  it('a closed port one run called filtered makes that setting unsafe, as a missed open does', () => {
    const good = { a: 'open', b: 'closed', c: 'closed', d: 'filtered' };
    const r = judged({
      defaults: [good, { ...good, c: 'filtered' }],
      'half window': [good, good],
    });
    expect(r.by['defaults']).toMatchObject({ missingOpens: 0, missingClosed: 1, otherDiffs: 0, safe: false });
    expect(r.by['half window']).toMatchObject({ missingOpens: 0, missingClosed: 0, otherDiffs: 0, safe: true });
    expect(r.opens).toBe(1);
  });

  it('a missed open counts as missed open, not as a missed closed port, even where another run saw it closed', () => {
    const r = judged({
      defaults: [{ a: 'open', b: 'closed' }],
      'half window': [{ a: 'closed', b: 'closed' }],
      'quarter window': [{ a: 'filtered', b: 'closed' }],
    });
    expect(r.by['defaults']).toMatchObject({ missingOpens: 0, missingClosed: 0, safe: true });
    expect(r.by['half window']).toMatchObject({ missingOpens: 1, missingClosed: 0, safe: false });
    expect(r.by['quarter window']).toMatchObject({ missingOpens: 1, missingClosed: 0, safe: false });
  });

  it('the most a single run missed, and a port no run answered counts only as another difference', () => {
    const base = { a: 'closed', b: 'closed', c: 'closed', d: 'filtered' };
    const r = judged({
      defaults: [base, base],
      'one worker': [{ ...base, a: 'filtered' }, { ...base, a: 'error', b: 'filtered', d: 'error' }],
    });
    expect(r.by['one worker']).toMatchObject({ missingOpens: 0, missingClosed: 2, otherDiffs: 1, safe: false });
    expect(r.by['defaults']).toMatchObject({ missingClosed: 0, otherDiffs: 0, safe: true });
  });
});
