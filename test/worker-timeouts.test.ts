/**
 * Adaptive timeouts (workers/timing.ts timeoutMs): nmap's estimator, with a
 * floor under rttvar so a jitter-free link does not shrink the timeout onto
 * the round trip itself.
 */
import { describe, expect, it } from 'vitest';
import { newTiming } from './helpers/timing.js';

const timing = (minMs = 100) => newTiming({ minMs });

describe('adaptive timeouts', () => {
  it('before any sample: the initial timeout', () => {
    const { t, cell } = timing();
    expect(t.timeoutMs(cell)).toBe(1000);
  });

  it('the first sample gives srtt + 4 × rttvar: five round trips', () => {
    const { t, cell } = timing();
    // 100 ms, not 200: five times 200 is the initial timeout, which a sample that was never taken also gives.
    t.answered(cell, 0, 100);
    expect(t.timeoutMs(cell)).toBe(500);
  });

  it('a jitter-free link settles at the round trip + srtt/8 (rttvar floor srtt/32), not on the round trip', () => {
    const { t, cell } = timing();
    for (let i = 0; i < 200; i++) t.answered(cell, 0, 200);
    expect(t.timeoutMs(cell)).toBe(225);
  });

  it('a fast jitter-free link keeps 8 ms of margin (rttvar floor 2 ms)', () => {
    const { t, cell } = timing(1);
    for (let i = 0; i < 200; i++) t.answered(cell, 0, 1);
    expect(t.timeoutMs(cell)).toBe(9);
  });

  it('jitter widens it: ±10 ms around 200 ms', () => {
    const { t, cell } = timing();
    for (let i = 0; i < 200; i++) t.answered(cell, 0, i % 2 === 0 ? 190 : 210);
    const ms = t.timeoutMs(cell);
    expect(ms).toBeGreaterThan(230);
    expect(ms).toBeLessThan(260);
  });

  it('a host without samples keeps the initial timeout while other hosts answer fast', () => {
    // The scan-wide estimate would say 9 ms: a host 300 ms away must still get its first answer in.
    const { t, cell } = timing(1);
    for (let i = 0; i < 200; i++) t.answered(cell, 0, 1);
    expect(t.timeoutMs(t.cellOf(2))).toBe(1000);
  });

  it('a host without samples takes the scan-wide estimate when that is longer than the initial timeout', () => {
    const { t, cell } = timing();
    for (let i = 0; i < 200; i++) t.answered(cell, 0, 1500);
    expect(t.timeoutMs(t.cellOf(2))).toBeGreaterThan(1500);
  });
});
