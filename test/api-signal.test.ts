/**
 * The library's AbortSignal: one already aborted when scan() is called stops
 * the scan before it probes (it was ignored, and the whole scan ran), as one
 * aborted mid-scan stops it with what was found.
 */
import { describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import type { ProbeRecord } from '../src/model/record.js';

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
