/**
 * A running chunk's positions count against the coordinator's budget only while undecided. Counted from its
 * watermark alone, one position still waiting for its timeout held every decided one after it in the count:
 * behind firewalls over a lossy path every running chunk had such a straggler, the budget read full, and the
 * workers, out of chunks, held a handful of probes in flight for seconds at a time (lab fwdeep).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { Coordinator } from '../src/pool/coordinator.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from '../workers/backends/index.js';

describe('chunk supply with stragglers', () => {
  it('hands out the next chunks while each running one waits on one silent position', async () => {
    const { config } = resolveConfig(
      { targets: ['127.0.0.1'], ports: '1-3000', seed: 5, workers: 1, concurrency: 4096, timeoutMs: 1500, initialRttTimeoutMs: 1500, retries: 0, states: ['open', 'closed', 'filtered', 'error'] },
      { tuning: null },
    );
    const prep = await prepareScan(config);
    expect(prep.plan.chunks).toBeGreaterThan(8);
    // The first position of every chunk is silent (a dropped port); every other one is refused at once.
    let silentNow = 0;
    let silentPeak = 0;
    const backend = (_engine: unknown, complete: CompleteFn): ProbeBackend => ({
      name: 'handle',
      start: (a: AttemptHandle) => {
        if ((a as unknown as { k: number }).k === 0) silentPeak = Math.max(silentPeak, ++silentNow);
        else setImmediate(() => complete(a, -111, false));
        return 0;
      },
      abort: (a: AttemptHandle) => {
        if ((a as unknown as { k: number }).k === 0) silentNow--;
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
