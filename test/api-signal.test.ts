/**
 * The library's AbortSignal: one already aborted when scan() is called stops
 * the scan before it probes (it was ignored, and the whole scan ran), as one
 * aborted mid-scan stops it with what was found.
 */
import { describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import type { ProbeRecord } from '../src/model/record.js';
import type { Resolver } from '../src/targets/resolve.js';

const options = { ignoreTuning: true, targets: ['127.0.0.1'], ports: '1-3000', states: ['open', 'closed'] as const, rate: 3000 };

describe('scan({ signal })', () => {
  it('a signal already aborted: interrupted, nothing probed', async () => {
    const ac = new AbortController();
    ac.abort();
    const run = scan({ ...options, states: [...options.states], signal: ac.signal });
    const records: ProbeRecord[] = [];
    for await (const r of run) records.push(r);
    const s = await run.summary;
    expect(s.status).toBe('interrupted');
    expect(s.done).toBe(0);
    expect(records).toEqual([]);
  });

  it('a signal aborted mid-scan: interrupted, with the records found so far', async () => {
    const ac = new AbortController();
    const run = scan({ ...options, states: [...options.states], signal: ac.signal });
    const records: ProbeRecord[] = [];
    // Aborted once a record is in (a fixed 300 ms came before the first one on a loaded machine).
    for await (const r of run) {
      records.push(r);
      if (records.length === 1) ac.abort();
    }
    const s = await run.summary;
    expect(s.status).toBe('interrupted');
    expect(s.done).toBeGreaterThan(0);
    expect(s.done).toBeLessThan(3000);
    expect(records).toHaveLength(s.done);
  });
});

describe('scans that share one signal', () => {
  it('twelve scans under one AbortController: no MaxListenersExceededWarning, and one abort stops them all', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const ac = new AbortController();
      const runs = Array.from({ length: 12 }, () => scan({ ...options, states: [...options.states], rate: 500, signal: ac.signal }));
      // Every scan is under way before the abort (progress() is null until one has started).
      const loops = runs.map(async (run) => {
        let n = 0;
        for await (const r of run) {
          void r;
          n++;
        }
        return n;
      });
      for (let i = 0; i < 200 && runs.some((r) => r.progress() === null); i++) await new Promise((r) => setTimeout(r, 25));
      ac.abort();
      await Promise.all(loops);
      const summaries = await Promise.all(runs.map((r) => r.summary));
      expect(summaries.map((s) => s.status)).toEqual(Array(12).fill('interrupted'));
      for (const s of summaries) expect(s.done).toBeLessThan(3000);
      // Node emits the warning on the next tick after the 11th listener.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a signal that is not an AbortSignal, a resolver that is not a function, or an ignoreTuning that is not a boolean, is refused in one line', () => {
    expect(() => scan({ ...options, states: [...options.states], signal: 'stop' as unknown as AbortSignal })).toThrow(/^scan\(\)'s signal must be an AbortSignal \(new AbortController\(\)\.signal\); got string$/);
    // A resolver that is no function, with no name to resolve: it passed, and failed only when a target was a name.
    expect(() => scan({ ...options, states: [...options.states], resolver: 42 as unknown as Resolver })).toThrow(/^scan\(\)'s resolver must be a function \(name, family, all\) => address\(es\); got number$/);
    // 'no' read as true, and the saved tuning was left out with no word (helper 13).
    expect(() => scan({ ...options, states: [...options.states], ignoreTuning: 'no' as unknown as boolean })).toThrow(/^scan\(\)'s ignoreTuning must be true or false; got string$/);
  });
});
