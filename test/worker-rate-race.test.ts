/**
 * Regression: the per-host cap (workers/rate.ts) must hold when two workers
 * race for the same host. acquire() looks at the host's cell, takes a global
 * token, then takes the host's token; another worker can take the host's last
 * token in between. The host take then refuses, and acquire() used to ignore
 * that and grant the probe anyway: over the cap, with the overshoot never
 * accounted. The race is made deterministic by running the second worker's
 * acquire() from inside the first one's global compare-and-swap.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateShared } from '../src/wire/rate.js';
import { RateGate } from '../workers/rate.js';

let clock = 0;
beforeEach(() => {
  clock = 5_000;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Run `between` once, inside the first compare-and-swap on the global cell (a one-cell BigInt64Array). */
function interleaveAtGlobalCas(between: () => void): void {
  const real = Atomics.compareExchange.bind(Atomics) as (a: BigInt64Array, i: number, e: bigint, r: bigint) => bigint;
  let done = false;
  vi.spyOn(Atomics, 'compareExchange').mockImplementation(((cells: BigInt64Array, i: number, expected: bigint, replacement: bigint) => {
    if (!done && cells.length === 1) {
      done = true;
      between();
    }
    return real(cells, i, expected, replacement);
  }) as unknown as typeof Atomics.compareExchange);
}

describe('RateGate: two workers racing for one host', () => {
  it('grants no more than the host cap allows, and gives the global token back', () => {
    const shared = createRateShared(1000, 1)!; // 10 at once globally; 1 per host
    const a = new RateGate(shared);
    const b = new RateGate(shared);
    let inner = NaN;
    interleaveAtGlobalCas(() => {
      inner = b.acquire(7); // the other worker takes it meanwhile
    });
    const outer = a.acquire(7);
    expect(inner).toBe(0);
    expect(outer).toBeLessThan(0); // refused by the host cap (a negative wait)
    vi.mocked(Atomics.compareExchange).mockRestore();

    // Global: 10 at one instant; host 7 took 1, so 9 remain if the refused probe gave its token back.
    let others = 0;
    for (let h = 100; h < 200; h++) if (a.acquire(h) === 0) others++;
    expect(others).toBe(9);
  });
});
