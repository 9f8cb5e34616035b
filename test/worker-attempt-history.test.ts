/**
 * A position's history (workers/attempt.ts): what its earlier attempts ran
 * into, and when the last try that timed out left. An answer to a retry is
 * loss of that try, and congestion.ts dates the loss by it to judge a shrink
 * on probation (were the probes sent after it lost as often as before?).
 */
import { describe, expect, it } from 'vitest';
import { Attempt, FIRST_TRY, nextTry, type Target } from '../workers/attempt.js';
import type { ChunkLedger } from '../workers/ledger.js';
import type { PendingQueue } from '../workers/pending.js';
import type { Timing } from '../workers/timing.js';
import { Twins } from '../workers/twins.js';

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

describe('a retry sent twice', () => {
  // probation.ts counts a pair whose copies both timed out as two probes lost: counted as one, a probation of
  // mostly such retries read 15 % loss each way (28 % of probes) as ~5 %, and the shrink stood (lab heavyloss).
  const twins = () => new Twins({} as PendingQueue, {} as Timing, () => undefined);
  const pair = (): [Attempt, Attempt] => {
    const history = nextTry(new Attempt(chunk, 0, target, 80, 1000, 100, FIRST_TRY), 'tries').history;
    const a = new Attempt(chunk, 0, target, 80, 1100, 100, history);
    const b = new Attempt(chunk, 0, target, 80, 1101, 100, history);
    a.twin = b;
    b.twin = a;
    return [a, b];
  };

  it('whose copies both timed out: the next try says two were lost, and the one after a single timeout says one', () => {
    const [a, b] = pair();
    expect(twins().ended(a, false, true)).toBe(true); // b carries the position
    const next = nextTry(b, 'tries').history;
    expect(next).toMatchObject({ tries: 2, lastAt: 1101, lastPair: true });
    const single = new Attempt(chunk, 0, target, 80, 1300, 100, next);
    expect(nextTry(single, 'tries').history).toMatchObject({ tries: 3, lastAt: 1300, lastPair: false });
    expect(nextTry(single, 'localTries').history).toMatchObject({ lastAt: 1101, lastPair: true }); // a local failure moves neither
  });

  it('whose other copy failed on this machine (no probe lost): one', () => {
    const [a, b] = pair();
    expect(twins().ended(a, false)).toBe(true);
    expect(nextTry(b, 'tries').history).toMatchObject({ lastPair: false });
  });

  it('answered: no loss to count', () => {
    const [a, b] = pair();
    expect(twins().ended(a, true)).toBe(false); // b is dropped: decide a as usual
    expect(b.pairTimedOut).toBe(false);
  });
});
