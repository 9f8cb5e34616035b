/**
 * RateGate (workers/rate.ts) over createRateShared (src/wire/rate.ts): the
 * --rate budget shared by all workers and the --host-rate cap per host, on a
 * simulated clock (performance.now is replaced, so the figures are exact and
 * the test does not wait).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RateShared, createRateShared } from '../src/wire/rate.js';
import { RateGate } from '../workers/rate.js';

/** Milliseconds on the simulated clock of this thread. */
let clock = 0;

beforeEach(() => {
  clock = 10_000;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Step the clock over `ms` in steps of `stepMs`; at each step every gate in
 * turn (a different one first each step) takes all it can for each host. Returns grants per gate and per host.
 */
function drive(gates: RateGate[], hosts: number[], ms: number, stepMs: number): { perGate: number[]; perHost: Map<number, number>; total: number } {
  const perGate = gates.map(() => 0);
  const perHost = new Map<number, number>(hosts.map((h) => [h, 0]));
  const end = clock + ms;
  for (let step = 0; clock < end; clock += stepMs, step++) {
    // Who goes first changes each step, as two threads would race.
    for (let i = 0; i < gates.length; i++) {
      const g = (step + i) % gates.length;
      const gate = gates[g]!;
      for (const h of hosts) {
        for (let guard = 0; gate.acquire(h) === 0; guard++) {
          if (guard > 1e6) throw new Error('the gate never refuses');
          perGate[g]!++;
          perHost.set(h, perHost.get(h)! + 1);
        }
      }
    }
  }
  return { perGate, perHost, total: perGate.reduce((a, b) => a + b, 0) };
}

/** Most grants a GCRA may give over `ms` (a closed window): (ms + burst) / interval, plus the one at the start. */
function globalBound(s: RateShared, ms: number): number {
  return Math.floor((ms * 1e6 + s.burstNs) / s.intervalNs) + 1;
}

describe('RateGate: the global budget', () => {
  it.each([50, 300, 1000, 50_000])('gives at most rate × time + burst over 2 s at --rate %i, and not much less', (rate) => {
    const shared = createRateShared(rate, 0)!;
    const { total } = drive([new RateGate(shared)], [0, 1, 2], 2000, 0.25);
    expect(total).toBeLessThanOrEqual(globalBound(shared, 2000));
    expect(total).toBeGreaterThanOrEqual(Math.floor((2000 * rate) / 1000) - 1);
  });

  it('says how long to wait, and grants once that time has passed', () => {
    const gate = new RateGate(createRateShared(300, 0)!); // one per 3.33 ms
    let granted = 0;
    while (gate.acquire(7) === 0) granted++;
    expect(granted).toBe(3); // 10 ms of budget at once, the one now included (it gave 4)
    const wait = gate.acquire(7);
    expect(wait).toBeCloseTo(10 / 3, 4);
    clock += wait - 0.01;
    expect(gate.acquire(7)).toBeGreaterThan(0);
    clock += 0.01 + 1e-6;
    expect(gate.acquire(7)).toBe(0);
  });

  it.each([1, 0.5, 50])('at --rate %s, one probe at once, then one per interval (two went out together)', (rate) => {
    const gate = new RateGate(createRateShared(rate, 0)!);
    expect(gate.acquire(1)).toBe(0);
    expect(gate.acquire(1)).toBeCloseTo(1000 / rate, 3);
    clock += 1000 / rate;
    expect(gate.acquire(1)).toBe(0);
    expect(gate.acquire(1)).toBeGreaterThan(0);
  });

  it('is one budget for two workers on the same shared state', () => {
    const shared = createRateShared(1000, 0)!;
    const a = new RateGate(shared);
    const b = new RateGate(shared);
    const { perGate, total } = drive([a, b], [0, 1], 2000, 1 / 3);
    expect(total).toBeLessThanOrEqual(globalBound(shared, 2000));
    expect(total).toBeGreaterThanOrEqual(1999);
    expect(Math.min(...perGate)).toBeGreaterThan(500); // both drew from it
  });

  it("rebases a worker's clock onto the coordinator's origin", () => {
    const shared = createRateShared(1000, 0)!;
    const a = new RateGate(shared);
    // A worker whose thread started 1 s after the coordinator: its performance.now() reads 1000 ms less.
    const b = new RateGate({ ...shared, originMs: shared.originMs - 1000 });
    while (a.acquire(0) === 0);
    const waitA = a.acquire(0);
    clock -= 1000; // B's view of the same instant
    expect(b.acquire(0)).toBe(waitA);
    clock += waitA + 1e-6;
    expect(b.acquire(0)).toBe(0);
  });
});

describe('RateGate: the global budget at 100/s or less (no burst)', () => {
  it.each([
    [50, 2, 99],
    [100, 1.5, 199],
  ])('keeps --rate %s when every wake-up comes %s ms late (--rate 50 sent 45/s, --rate 100 89/s)', (rate, late, least) => {
    const gate = new RateGate(createRateShared(rate, 0)!);
    const grantedAt: number[] = [];
    for (const end = clock + 2000; clock < end; ) {
      const r = gate.acquire(7);
      if (r === 0) grantedAt.push(clock);
      else clock += r + late; // the pump's timer fires that long after the wait it was given
    }
    expect(grantedAt.length).toBeGreaterThanOrEqual(least);
    expect(grantedAt.length).toBeLessThanOrEqual((2000 * rate) / 1000 + 1);
    const gaps = grantedAt.slice(1).map((t, i) => t - grantedAt[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / rate - 10 - 1e-9); // a late start keeps its place, up to 10 ms
  });

  it('--rate 10: a start 49 ms late keeps 10 ms of its place, not half an interval (11 probes in a second)', () => {
    const gate = new RateGate(createRateShared(10, 0)!);
    const t0 = clock;
    expect(gate.acquire(0)).toBe(0);
    const wait = gate.acquire(0);
    expect(wait).toBeCloseTo(100, 6);
    clock += wait + 49;
    expect(gate.acquire(0)).toBe(0); // at 149 ms, counted from 139
    expect(gate.acquire(0)).toBeCloseTo(90, 6); // the next at 239, not 200
    // In any second from the first grant, at most 10 + 1 (the window's closed end): with the due time at 239,
    // 339, ..., 939 ms, a second [0, 1000) holds 10.
    const grants = [t0, t0 + 149];
    for (let due = 239; due < 1000; due += 100) {
      clock = t0 + due;
      expect(gate.acquire(0)).toBe(0);
      grants.push(clock);
    }
    expect(grants.filter((t) => t < t0 + 1000)).toHaveLength(10);
  });
});

describe('RateGate: the per-host cap', () => {
  it('holds each host to --host-rate × time, with no burst (it allowed one more at once)', () => {
    const shared = createRateShared(0, 10)!; // one probe per 100 ms per host, no global budget
    const hosts = [0, 1, 2, 3, 4, 5, 6, 7, 1000, 65536, 2 ** 24 + 3];
    const { perHost } = drive([new RateGate(shared), new RateGate(shared)], hosts, 2000, 1);
    for (const h of hosts) {
      expect(perHost.get(h)!).toBeLessThanOrEqual(20 + 1); // 0, 100, ..., 2000 ms: both ends of the closed window
      expect(perHost.get(h)!).toBeGreaterThanOrEqual(20);
    }
  });

  it.each([
    [0.4, 1999],
    [0.9, 1400],
  ])('keeps its rate when every wake-up comes %s ms late, without two probes at once (--host-rate 1000 ran at 692/s)', (late, least) => {
    const gate = new RateGate(createRateShared(0, 1000)!); // one per 1 ms
    const grantedAt: number[] = [];
    for (const end = clock + 2000; clock < end; ) {
      const r = gate.acquire(5);
      if (r === 0) grantedAt.push(clock);
      else clock += -r + late; // the timer fires that long after the wait it was given
    }
    expect(grantedAt.length).toBeGreaterThanOrEqual(least);
    expect(grantedAt.length).toBeLessThanOrEqual(2001);
    const gaps = grantedAt.slice(1).map((t, i) => t - grantedAt[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.5 - 1e-9); // never closer than half an interval
  });

  it('a host idle for most of an interval is not given two probes at once (the audit: grants at 199 and 200 ms at --host-rate 10)', () => {
    const gate = new RateGate(createRateShared(0, 10)!); // one per 100 ms
    const grants = [0, 199, 199.5, 200, 230, 250, 399, 400].filter((t) => {
      clock = 10_000 + t;
      return gate.acquire(1) === 0;
    });
    expect(grants).toEqual([0, 199, 399]);
  });

  it('starts over after a pause longer than an interval (no burst to make up for it)', () => {
    const gate = new RateGate(createRateShared(0, 10)!);
    expect(gate.acquire(2)).toBe(0);
    clock += 1000; // ten intervals idle
    expect(gate.acquire(2)).toBe(0);
    expect(gate.acquire(2)).toBeCloseTo(-100, 6);
  });

  it('refuses a capped host with a negative wait (hold it back, go on with others)', () => {
    const gate = new RateGate(createRateShared(0, 10)!);
    expect(gate.acquire(3)).toBe(0);
    expect(gate.hostWait(3)).toBeCloseTo(100, 6);
    expect(gate.acquire(3)).toBeCloseTo(-100, 6);
    expect(gate.acquire(4)).toBe(0);
    clock += 100;
    expect(gate.hostWait(3)).toBe(0);
    expect(gate.acquire(3)).toBe(0);
  });

  it('burns no global tokens for a refused host, and no host tokens when the global budget refuses', () => {
    const gate = new RateGate(createRateShared(1000, 1)!); // 10 at once globally, 1 per host
    expect(gate.acquire(0)).toBe(0);
    for (let i = 0; i < 1000; i++) expect(gate.acquire(0)).toBeLessThan(0);
    let others = 0;
    for (let h = 1; h <= 100; h++) if (gate.acquire(h) === 0) others++;
    expect(others).toBe(9); // 10 - 1: the refusals of host 0 took nothing

    // Host 200 is refused by the global budget many times; once it refills, its own burst is intact.
    for (let i = 0; i < 1000; i++) expect(gate.acquire(200)).toBeGreaterThan(0);
    clock += 20;
    expect(gate.acquire(200)).toBe(0);
    expect(gate.acquire(200)).toBeLessThan(0);
  });
});
