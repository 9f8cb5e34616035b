/**
 * PhaseClock (workers/phase-clock.ts): the answers of one poll phase are
 * timed at its first callback, which bounds their arrival from above; never
 * an attempt started after that, an answer delivered at once, or one past the
 * first 512 (libuv may have read the kernel again by then).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { PhaseClock } from '../workers/phase-clock.js';

const spin = (ms: number): void => {
  const t = performance.now();
  while (performance.now() - t < ms);
};

// The phase is the thread's (src/wire/poll-phase.ts): each test starts in a new one.
beforeEach(() => new PhaseClock().reset());

describe('PhaseClock', () => {
  it("gives a phase's first answers its start, and a new phase its own", () => {
    const c = new PhaseClock();
    const start = performance.now() - 50;
    const first = c.answerAt(start, false);
    spin(5);
    expect(c.answerAt(start, false)).toBe(first);
    expect(c.polledAt).toBe(first);
    c.reset();
    spin(2);
    const next = c.answerAt(start, false);
    expect(next).toBeGreaterThan(first + 1);
  });

  it('never times an answer before its attempt started, and leaves answers delivered at once alone', () => {
    const c = new PhaseClock();
    const phase = c.answerAt(performance.now() - 10, false);
    spin(2);
    const later = performance.now();
    expect(c.answerAt(later, false)).toBeGreaterThanOrEqual(later); // started after the phase began
    spin(2);
    const atOnce = c.answerAt(performance.now() - 10, true);
    expect(atOnce).toBeGreaterThan(phase + 3);
  });

  it('reads the clock for answers past the first 512 of a phase', () => {
    const c = new PhaseClock();
    const start = performance.now() - 10;
    const phase = c.answerAt(start, false);
    for (let i = 1; i < 512; i++) expect(c.answerAt(start, false)).toBe(phase);
    spin(2);
    expect(c.answerAt(start, false)).toBeGreaterThan(phase + 1);
  });
});
