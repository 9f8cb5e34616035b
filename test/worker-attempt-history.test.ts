/**
 * A position's history (workers/attempt.ts): what its earlier attempts ran
 * into, and when the last try that timed out left. An answer to a retry is
 * loss of that try, and congestion.ts dates the loss by it to judge a shrink
 * on probation (were the probes sent after it lost as often as before?).
 */
import { describe, expect, it } from 'vitest';
import { Attempt, FIRST_TRY, nextTry, type Target } from '../workers/attempt.js';
import type { ChunkLedger } from '../workers/ledger.js';

const chunk = {} as ChunkLedger;
const target: Target = { index: 0, host: '198.18.1.9', v6: false, cell: 1, clock: -1, timeoutMs: 100, timedAt: 0 };

describe('the last try that timed out', () => {
  it('is dated by the start of each try that timed out, the latest one kept', () => {
    const first = new Attempt(chunk, 0, target, 80, 1000, 100, FIRST_TRY);
    const second = new Attempt(chunk, 0, target, 80, 1100, 100, nextTry(first, 'tries').history);
    expect(second.history).toMatchObject({ tries: 1, lastAt: 1000 });
    const third = nextTry(second, 'tries').history;
    expect(third).toMatchObject({ tries: 2, lastAt: 1100 });
  });

  it('keeps the start of the try before it too (limiter.ts: two tries lost in a row since a shrink)', () => {
    const first = new Attempt(chunk, 0, target, 80, 1000, 100, FIRST_TRY);
    const second = new Attempt(chunk, 0, target, 80, 1100, 100, nextTry(first, 'tries').history);
    expect(second.history).toMatchObject({ lastAt: 1000, prevAt: 0 });
    const third = new Attempt(chunk, 0, target, 80, 1250, 100, nextTry(second, 'tries').history);
    expect(third.history).toMatchObject({ tries: 2, lastAt: 1100, prevAt: 1000 });
    // A local failure moves neither.
    expect(nextTry(third, 'localTries').history).toMatchObject({ lastAt: 1100, prevAt: 1000 });
    expect(nextTry(third, 'tries').history).toMatchObject({ tries: 3, lastAt: 1250, prevAt: 1100 });
  });

  it('is not moved by a local failure or a self-connect (no packet was lost), nor set by one', () => {
    const local = new Attempt(chunk, 0, target, 80, 1000, 100, FIRST_TRY);
    expect(nextTry(local, 'localTries').history).toMatchObject({ localTries: 1, lastAt: 0 });
    const timedOut = new Attempt(chunk, 0, target, 80, 1000, 100, FIRST_TRY);
    const retry = new Attempt(chunk, 0, target, 80, 1100, 100, nextTry(timedOut, 'tries').history);
    expect(nextTry(retry, 'selfTries').history).toMatchObject({ tries: 1, selfTries: 1, lastAt: 1000 });
  });
});
