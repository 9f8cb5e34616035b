/**
 * Chunks go out as the workers need them, and a worker says when it needs
 * one: every position it holds is in flight and its window has room. Silent
 * targets send no record back for a whole timeout; before the worker said
 * so, the coordinator (which hands out chunks as records come back) left
 * most of a wide window empty, and 2,000 silent ports at 1 worker × 4,096
 * took three timeouts instead of one.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { Coordinator } from '../src/pool/coordinator.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import type { ProbeBackend } from '../workers/backends/index.js';

describe('chunk supply', () => {
  it('fills a wide window with silent targets before the first timeout', async () => {
    const { config } = resolveConfig(
      { targets: ['127.0.0.1'], ports: '1-3000', seed: 5, workers: 1, concurrency: 4096, timeoutMs: 400, initialRttTimeoutMs: 400, retries: 0, states: ['open', 'closed', 'filtered', 'error'] },
      { tuning: null },
    );
    const prep = await prepareScan(config);
    // Small chunks, so the whole scan is many chunks and the supply matters.
    expect(prep.plan.chunks).toBeGreaterThan(8);
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
});
