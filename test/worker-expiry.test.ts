/**
 * Expiry (workers/expiry.ts): the list of attempts to retime when an estimate
 * falls. On a walk over many hosts every attempt goes in it; it must hold
 * little more than the attempts still in flight, or answered attempts live on
 * in it (and in V8's old generation), and retime() must still reach every
 * attempt in flight and no other.
 */
import { describe, expect, it } from 'vitest';
import { Attempt, FIRST_TRY, type Target } from '../workers/attempt.js';
import type { ProbeBackend } from '../workers/backends/index.js';
import { Expiry } from '../workers/expiry.js';
import type { ChunkLedger } from '../workers/ledger.js';
import { rng } from './helpers/prng.js';

const backend = { abort: () => undefined } as unknown as ProbeBackend;
const chunk = {} as ChunkLedger;
const target: Target = { index: 0, host: '127.0.0.1', v6: false, cell: 0, timeoutMs: 1000, timedAt: 0 };

/** A random run of starts and ends; `maxLive` caps the attempts in flight. */
function run(seed: number, steps: number, maxLive: number): { expiry: Expiry; live: Set<Attempt>; over: Attempt[]; worst: number } {
  const r = rng(seed);
  const expiry = new Expiry(backend, () => undefined, () => undefined);
  const live = new Set<Attempt>();
  const over: Attempt[] = [];
  let worst = 0;
  for (let i = 0; i < steps; i++) {
    if (live.size < maxLive && (live.size === 0 || r.next() < 0.5)) {
      const a = new Attempt(chunk, i, target, 9, i, 1000, FIRST_TRY);
      expiry.unmeasured(a);
      expiry.heap.push(a);
      live.add(a);
    } else {
      const a = r.pick([...live]);
      live.delete(a);
      a.done = true; // as the loop's release() does before forget()
      expiry.forget(a);
      over.push(a);
    }
    worst = Math.max(worst, expiry.provisionalCount - 2 * live.size);
  }
  return { expiry, live, over, worst };
}

describe('Expiry retime list', () => {
  it.each([1, 7, 99])('holds at most twice the attempts in flight plus 64 (seed %i)', (seed) => {
    for (const maxLive of [1, 10, 200]) {
      const { worst } = run(seed, 20_000, maxLive);
      expect(worst, `window ${maxLive}`).toBeLessThanOrEqual(64);
    }
  });

  it.each([3, 5])('retime() moves every attempt in flight to the lower estimate, and only those (seed %i)', (seed) => {
    const { expiry, live, over } = run(seed, 5_000, 300);
    expect(live.size).toBeGreaterThan(0);
    expiry.retime({ generation: () => 1, timeoutMs: () => 5 });
    for (const a of live) expect(a.deadline).toBe(a.start + 5);
    for (const a of over) expect(a.deadline).toBe(a.start + 1000);
    expect(expiry.heap.size).toBe(live.size);
    expect(new Set(expiry.heap.snapshot())).toEqual(live);
  });
});
