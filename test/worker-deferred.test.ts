/**
 * Deferred timeouts (timing.ts 'wait', expiry.ts takeDeferred): judged again
 * when this thread saw evidence that may change their verdict, else every
 * DEFERRED_POLL_MS, not on every loop turn (lab fwloss: thousands of them,
 * judged each turn, took a fifth of the scan's CPU).
 */
import { describe, expect, it } from 'vitest';
import { Attempt, FIRST_TRY, type Target } from '../workers/attempt.js';
import type { ProbeBackend } from '../workers/backends/index.js';
import { Expiry } from '../workers/expiry.js';
import type { ChunkLedger } from '../workers/ledger.js';
import { newTiming } from './helpers/timing.js';

const backend = { abort: () => undefined } as unknown as ProbeBackend;
const chunk = { waiting: 0 } as ChunkLedger;
const target: Target = { index: 0, host: '127.0.0.1', v6: false, cell: 0, timeoutMs: 100, timedAt: 0 };

function deferredTwo(): { expiry: Expiry; a: Attempt; b: Attempt } {
  const expiry = new Expiry(backend, () => undefined, () => undefined);
  const a = new Attempt(chunk, 0, target, 1, 0, 100, FIRST_TRY);
  const b = new Attempt(chunk, 1, target, 2, 0, 100, FIRST_TRY);
  expiry.defer(a);
  expiry.defer(b);
  return { expiry, a, b };
}

describe('deferred timeouts', () => {
  it('are handed back when the evidence count moved, and not again in the same 10 ms without it', () => {
    const { expiry, a, b } = deferredTwo();
    expect(chunk.waiting).toBe(2);
    expect(expiry.takeDeferred(1000, 0)).toEqual([a, b]); // never judged yet
    expect(chunk.waiting).toBe(0);
    expiry.defer(a);
    expiry.defer(b);
    expect(expiry.takeDeferred(1001, 0)).toEqual([]); // nothing new, 1 ms later
    expect(expiry.takeDeferred(1009, 0)).toEqual([]);
    expect(chunk.waiting).toBe(2); // still waiting: the chunk cannot finish
    expect(expiry.takeDeferred(1002, 1)).toEqual([a, b]); // evidence came
    expiry.defer(a);
    expect(expiry.takeDeferred(1005, 1)).toEqual([]);
    expect(expiry.takeDeferred(1012, 1)).toEqual([a]); // the poll: another worker's evidence, an UNSETTLED wait's end
  });

  it('evidence counts a retry answered and a host\'s last retry out resolved, not first answers or a retry resolved while others are out', () => {
    const { t, cell } = newTiming({ retries: 6 });
    t.answered(cell, 0, 20);
    expect(t.evidence).toBe(0);
    expect(t.mayRetry(cell, 0)).toBe('retry');
    expect(t.mayRetry(cell, 0)).toBe('retry');
    t.retryResolved(cell); // one of two out
    expect(t.evidence).toBe(0);
    t.retryResolved(cell); // the last one out
    expect(t.evidence).toBe(1);
    t.answered(cell, 1, 20); // an answer to a retry: the deepest try answered may rise
    expect(t.evidence).toBe(2);
  });
});
