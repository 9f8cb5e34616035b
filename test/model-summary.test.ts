/**
 * Summaries (src/model/summary.ts): endedAs tags how a scan ended, and
 * mergeSummaries makes one summary of several shards: counts and events add
 * up, the slowest shard sets the time, and the result is complete only when
 * every shard is there and complete.
 */
import { describe, expect, it } from 'vitest';
import { type ScanSummary, type SummaryBody, endedAs, mergeSummaries } from '../src/model/summary.js';

const body = (over: Partial<SummaryBody> = {}): SummaryBody => ({
  scanKey: 'k', seed: 9, order: 'random', shard: { index: 1, total: 3 }, hosts: 4, ports: 30, probes: 40, done: 0,
  counts: { open: 0, closed: 0, filtered: 0, error: 0 }, events: {}, engine: 'handle', workers: 2, workerThreads: 2, concurrency: 64,
  startedAt: '2026-01-01T00:00:10.000Z', elapsedMs: 1000, rate: 0, ...over,
});

const complete = (over: Partial<SummaryBody> = {}): ScanSummary => endedAs(body(over), null);

describe('endedAs', () => {
  it('marks a scan without a stop reason complete, and keeps the body', () => {
    expect(endedAs(body(), null)).toEqual({ ...body(), status: 'complete', stopReason: null });
  });

  it.each(['signal', 'time-limit', 'output-closed', 'error'] as const)('marks a scan stopped by %s interrupted', (reason) => {
    expect(endedAs(body(), reason)).toEqual({ ...body(), status: 'interrupted', stopReason: reason });
  });
});

describe('mergeSummaries', () => {
  const parts = (): ScanSummary[] => [
    complete({ shard: { index: 1, total: 3 }, counts: { open: 1, closed: 30, filtered: 2, error: 0 }, events: { EMFILE: 2 }, elapsedMs: 1500, startedAt: '2026-01-01T00:00:10.000Z' }),
    complete({ shard: { index: 2, total: 3 }, counts: { open: 0, closed: 35, filtered: 0, error: 1 }, events: { EMFILE: 1, 'self-connect': 1 }, elapsedMs: 4000, startedAt: '2026-01-01T00:00:05.000Z' }),
    complete({ shard: { index: 3, total: 3 }, counts: { open: 2, closed: 38, filtered: 0, error: 0 }, events: {}, elapsedMs: 2000, startedAt: '2026-01-01T00:00:20.000Z' }),
  ];

  it('adds counts and events, takes the slowest time and the earliest start', () => {
    const m = mergeSummaries(parts(), true);
    expect(m).toMatchObject({
      status: 'complete',
      stopReason: null,
      shard: { index: 1, total: 1 },
      probes: 120,
      done: 109,
      counts: { open: 3, closed: 103, filtered: 2, error: 1 },
      events: { EMFILE: 3, 'self-connect': 1 },
      elapsedMs: 4000,
      startedAt: '2026-01-01T00:00:05.000Z',
      rate: Math.round(109 / 4),
    });
  });

  it('adds the shards\' worker threads and windows, and names every engine used (it gave the first shard\'s)', () => {
    const [a, b, c] = parts();
    expect(mergeSummaries([a!, { ...b!, workerThreads: 0, concurrency: 10 }, { ...c!, engine: 'socket', workers: 4, workerThreads: 4 }], true)).toMatchObject({ engine: 'handle,socket', workers: 8, workerThreads: 6, concurrency: 138 });
  });

  it('is interrupted when a shard is missing ("shards-missing", never "signal"), or with the reason of an interrupted part', () => {
    expect(mergeSummaries(parts().slice(0, 2), false)).toMatchObject({ status: 'interrupted', stopReason: 'shards-missing' });
    const ps = parts();
    ps[1] = endedAs(body({ shard: { index: 2, total: 3 } }), 'time-limit');
    expect(mergeSummaries(ps, true)).toMatchObject({ status: 'interrupted', stopReason: 'time-limit' });
  });

  it('does not change the parts it merges', () => {
    const ps = parts();
    const before = JSON.stringify(ps);
    mergeSummaries(ps, true);
    expect(JSON.stringify(ps)).toBe(before);
  });

  it('refuses an empty list', () => {
    expect(() => mergeSummaries([], true)).toThrow(RangeError);
  });
});
