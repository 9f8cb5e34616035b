/**
 * A scan in which every connect fails on this machine (a source address that
 * went away) stops after a while with what it found, instead of retrying
 * forever; a scan that is only slow never does.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { ShardscanError } from '../src/errors.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import { startScan } from '../src/scan/start.js';
import type { BackendFactory } from '../workers/backends/index.js';

const EADDRNOTAVAIL = -99;

async function scan(backend: BackendFactory, flags: Record<string, unknown>, stallMs: number) {
  const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1-4', seed: 3, workers: 1, states: ['open', 'closed', 'filtered', 'error'], ...flags }, { tuning: null });
  const run = startScan(await prepareScan(config), { runner: new InProcessRunner({ backend }), stallMs });
  for await (const batch of run.records) void batch;
  return run.finished;
}

describe('a stalled scan', () => {
  it('stops as failed (E_STALLED) when nothing is decided, nothing is in flight and connects keep failing here', async () => {
    const failing: BackendFactory = () => ({ name: 'handle', start: () => EADDRNOTAVAIL, abort: () => undefined });
    const t0 = performance.now();
    const end = await scan(failing, {}, 600);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(end.failure).toBeInstanceOf(ShardscanError);
    expect((end.failure as ShardscanError).code).toBe('E_STALLED');
    expect((end.failure as ShardscanError).message).toMatch(/^for 0\.6 s every connect failed on this machine \(EADDRNOTAVAIL, \d+ times so far\) and no probe was decided/);
    expect(end.summary).toMatchObject({ status: 'interrupted', stopReason: 'error', done: 0 });
    expect(end.summary.events.EADDRNOTAVAIL).toBeGreaterThan(0);
  });

  it('is not a scan waiting on attempts in flight, even while other connects fail here', async () => {
    // Nothing ever answers: an attempt that starts stays in flight until its timeout, far longer than the
    // stall window; every other connect fails at once (as when the attempts in flight hold every source port).
    let calls = 0;
    const busy: BackendFactory = () => ({ name: 'handle', start: () => (calls++ % 2 === 0 ? EADDRNOTAVAIL : 0), abort: () => undefined });
    const end = await scan(busy, { timeoutMs: 800, initialRttTimeoutMs: 800, retries: 0 }, 250);
    expect(end.summary.events.EADDRNOTAVAIL).toBeGreaterThan(0);
    expect(end.failure).toBeNull();
    expect(end.summary).toMatchObject({ status: 'complete', counts: { open: 0, closed: 0, filtered: 4, error: 0 } });
  });
});
