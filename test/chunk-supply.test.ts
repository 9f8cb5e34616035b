/**
 * Chunks go out as the workers need them, and a worker says when it needs
 * one: every position it holds is in flight and its window has room. Silent
 * targets send no record back for a whole timeout; before the worker said
 * so, the coordinator (which hands out chunks as records come back) left
 * most of a wide window empty, and 2,000 silent ports at 1 worker × 4,096
 * took three timeouts instead of one.
 *
 * A running chunk's positions count against the coordinator's budget only
 * while undecided. Counted from its watermark alone, one position still
 * waiting for its timeout held every decided one after it in the count:
 * behind firewalls over a lossy path every running chunk had such a
 * straggler, the budget read full, and the workers, out of chunks, held a
 * handful of probes in flight for seconds at a time (lab fwdeep).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { Coordinator } from '../src/pool/coordinator.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { type PreparedScan, prepareScan } from '../src/prepare.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from '../workers/backends/index.js';

/** 127.0.0.1 × ports 1-3000 at 1 worker × 4,096, no retries, in small chunks (many of them, so the supply matters). */
async function prepared(timeoutMs: number): Promise<PreparedScan> {
  const { config } = resolveConfig(
    { targets: ['127.0.0.1'], ports: '1-3000', seed: 5, workers: 1, concurrency: 4096, timeoutMs, initialRttTimeoutMs: timeoutMs, retries: 0, states: ['open', 'closed', 'filtered', 'error'] },
    { tuning: null },
  );
  const prep = await prepareScan(config);
  expect(prep.plan.chunks).toBeGreaterThan(8);
  return prep;
}

describe('chunk supply', () => {
  it('fills a wide window with silent targets before the first timeout', async () => {
    const prep = await prepared(400);
    let inFlight = 0;
    let peak = 0;
    const silent = (): ProbeBackend => ({
      name: 'handle',
      start: () => {
        peak = Math.max(peak, ++inFlight);
        return 0;
      },
      abort: () => {
        inFlight--;
      },
    });
    let filtered = 0;
    const summary = await new Coordinator(prep, { records: (b) => (filtered += b.records().filter((r) => r.state === 'filtered').length) }, { runner: new InProcessRunner({ backend: silent }) }).run();
    expect(summary.status).toBe('complete');
    expect(filtered).toBe(3000);
    // Every position was in flight at once: no position waited for a timeout to be handed out.
    expect(peak).toBe(3000);
  });

  it('hands out the next chunks while each running one waits on one silent position', async () => {
    const prep = await prepared(1500);
    // The first position of every chunk is silent (a dropped port); every other one is refused at once.
    let silentNow = 0;
    let silentPeak = 0;
    const first = (a: AttemptHandle): boolean => (a as unknown as { k: number }).k === 0;
    const backend = (_engine: unknown, complete: CompleteFn): ProbeBackend => ({
      name: 'handle',
      start: (a: AttemptHandle) => {
        if (first(a)) silentPeak = Math.max(silentPeak, ++silentNow);
        else setImmediate(() => complete(a, -111, false));
        return 0;
      },
      abort: (a: AttemptHandle) => {
        if (first(a)) silentNow--;
      },
    });
    const counts = { closed: 0, filtered: 0 };
    const sink = { records: (b: { records(): Array<{ state: string }> }) => b.records().forEach((r) => (r.state === 'closed' || r.state === 'filtered') && counts[r.state]++) };
    const summary = await new Coordinator(prep, sink, { runner: new InProcessRunner({ backend }) }).run();
    expect(summary.status).toBe('complete');
    expect(counts).toEqual({ closed: 3000 - prep.plan.chunks, filtered: prep.plan.chunks });
    // Every chunk's straggler was in flight at once: none waited for another's timeout to be handed out.
    expect(silentPeak).toBe(prep.plan.chunks);
  });
});
