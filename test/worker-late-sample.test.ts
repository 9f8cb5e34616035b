/**
 * A host's first round trip from a late answer (workers/rtt.ts sample, `late`):
 * it may answer the kernel's second SYN, 1 s after the first, so the estimate
 * it gives is dropped at the host's first answer in time.
 */
import { describe, expect, it } from 'vitest';
import { newTiming } from './helpers/timing.js';

describe('a first round trip from a late answer', () => {
  it('times the host until an answer in time comes, which starts its estimate over', () => {
    const { t, cell } = newTiming({ minMs: 10 });
    t.answered(cell, 0, 1020, performance.now(), true); // answered the kernel's second SYN: ~1 s + 20 ms
    expect(t.timeoutMs(cell)).toBe(3000); // 1,020 + 4 × 1,020, at --max-rtt-timeout
    t.answered(cell, 0, 20);
    // The first sample again (srtt 20, rttvar 20): 100 ms, not ~3 s (srtt 895, rttvar 1,015, and the max filter's 1,020).
    expect(t.timeoutMs(cell)).toBe(100);
    for (let i = 0; i < 50; i++) t.answered(cell, 0, 20);
    expect(t.timeoutMs(cell)).toBeLessThan(40);
  });

  it('a host that only ever answers late keeps the estimate its first late answer gave (a far host, Karn)', () => {
    const { t, cell } = newTiming({ minMs: 10 });
    t.answered(cell, 0, 400, performance.now(), true);
    t.answered(cell, 0, 1400, performance.now(), true); // not a sample: the cell has one
    expect(t.timeoutMs(cell)).toBe(2000); // 400 + 4 × 400
    expect(t.unsettled(cell)).toBe(true); // attempts timed by it are retimed when an answer in time comes
  });

  it('a second or more late where the scan\'s answers in time say its paths are shorter: the time since the kernel\'s second SYN', () => {
    const { t, cell } = newTiming({ minMs: 10 });
    const other = t.cellOf(2);
    t.answered(other, 0, 20); // the scan's round trip: 20 ms
    t.answered(cell, 0, 1021, performance.now(), true); // the second SYN, 1 s after the first, answered after 21 ms
    expect(t.timeoutMs(cell)).toBe(105); // 21 + 4 × 21, not 3 s (1,021 + 4 × 1,021 at --max-rtt-timeout)
    const far = t.cellOf(3);
    t.answered(far, 0, 600, performance.now(), true); // under a second: no second SYN yet, its own round trip
    expect(t.timeoutMs(far)).toBe(3000);
  });
});
