/**
 * Timeouts while a burst lands (workers/timing.ts, expiry.ts): a burst of
 * probes is answered shortest round trip first, so nmap's estimator alone
 * sees only the short half and times the rest out while their answers are on
 * the way (lab `jitter`, RTT 200 ± 180 ms: 2,700 of 5,000 first tries). The
 * timeout is never below the longest recent answer, and a deadline that falls
 * due is judged by the estimate of that moment.
 */
import { describe, expect, it } from 'vitest';
import { Attempt, FIRST_TRY, type Target } from '../workers/attempt.js';
import type { ProbeBackend } from '../workers/backends/index.js';
import { Expiry } from '../workers/expiry.js';
import type { ChunkLedger } from '../workers/ledger.js';
import { newTiming } from './helpers/timing.js';

describe('the longest recent answer bounds the timeout from below', () => {
  it('one slow answer, then many fast ones: the timeout still covers the slow one (+1/16)', () => {
    const { t, cell } = newTiming({ minMs: 1 });
    t.answered(cell, 0, 100, 1000);
    t.answered(cell, 0, 320, 1001);
    for (let i = 0; i < 300; i++) t.answered(cell, 0, 100, 1002 + i / 10);
    // srtt + 4·rttvar alone: ~112 ms, and an answer 320 ms away comes too late.
    expect(t.timeoutMs(cell)).toBe(340);
  });

  it('is forgotten two intervals later, when only fast answers came since', () => {
    const { t, cell } = newTiming({ minMs: 1 });
    t.answered(cell, 0, 320, 1000);
    for (let i = 0; i < 300; i++) t.answered(cell, 0, 100, 1000 + i * 2);
    expect(t.timeoutMs(cell)).toBe(340);
    // Intervals are max(250 ms, 4 srtt) long: two more of fast answers.
    for (let i = 0; i < 300; i++) t.answered(cell, 0, 100, 1700 + i * 2);
    expect(t.timeoutMs(cell)).toBeLessThan(120);
  });
});

describe('a deadline is judged by the estimate when it falls due', () => {
  const backend = { abort: () => undefined } as unknown as ProbeBackend;
  const chunk = {} as ChunkLedger;
  const target: Target = { index: 0, host: '198.18.1.9', v6: false, cell: 0, timeoutMs: 100, timedAt: 0 };
  const attempt = () => new Attempt(chunk, 0, target, 80, 0, 100, FIRST_TRY);

  it('an estimate that grew since moves the deadline out; it falls due at the new one', () => {
    const expiry = new Expiry(backend, () => undefined, () => undefined);
    const a = attempt();
    expiry.heap.push(a);
    const timing = { timeoutMs: () => 150 };
    expect(expiry.takeDue(120, timing)).toEqual([]);
    expect(a.deadline).toBe(150);
    expect(expiry.heap.size).toBe(1);
    expect(expiry.takeDue(150, timing)).toEqual([a]);
  });

  it('an estimate that did not grow: due at once', () => {
    const expiry = new Expiry(backend, () => undefined, () => undefined);
    const a = attempt();
    expiry.heap.push(a);
    expect(expiry.takeDue(100, { timeoutMs: () => 100 })).toEqual([a]);
    expect(expiry.heap.size).toBe(0);
  });

  it('answers read in the same millisecond as the last launch still count (no stale cached estimate)', () => {
    // A long launch ends at 1000 ms with the timeout cached at the floor; the
    // poll phase right after reads answers that raise the host's estimate.
    const { t, cell } = newTiming();
    const host: Target = { index: 1, host: '198.18.1.9', v6: false, cell, timeoutMs: 0, timedAt: 0 };
    for (let i = 0; i < 64; i++) t.answered(cell, 0, 20, 800 + i);
    expect(t.timeoutFor(host, 1000)).toBe(100);
    for (let i = 0; i < 40; i++) t.answered(cell, 0, 150, 1000.5);
    expect(t.timeoutMs(cell)).toBeGreaterThan(150);
    const expiry = new Expiry(backend, () => undefined, () => undefined);
    const a = new Attempt(chunk, 0, host, 80, 880, 100, FIRST_TRY);
    expiry.heap.push(a);
    expect(expiry.takeDue(1000.6, t)).toEqual([]);
    expect(a.deadline).toBe(880 + t.timeoutMs(cell));
  });
});
