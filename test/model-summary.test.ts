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

  // Three shards at --rate 5000 run one after another read 14.6k/s: the slowest shard's 2.25 s taken as the whole scan's.
  it('takes the time from the first start to the last end, within the slowest shard and all of them in a row', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const run = (start: number, ms: number, i: number) => complete({ shard: { index: i, total: 3 }, startedAt: at(start), elapsedMs: ms, counts: { open: 0, closed: 10, filtered: 0, error: 0 } });
    // One after another: 2 s each, from 0 s to 7 s, with gaps: at most the 6 s they scanned.
    const inRow = [run(0, 2000, 1), run(2.5, 2000, 2), run(5, 2000, 3)];
    expect(mergeSummaries(inRow, true, [at(2), at(4.5), at(7)])).toMatchObject({ elapsedMs: 6000, rate: 5 });
    // Side by side: the span, which is the slowest.
    const sideBySide = [run(10, 2000, 1), run(10, 2100, 2), run(10, 2200, 3)];
    expect(mergeSummaries(sideBySide, true, [at(12), at(12.1), at(12.2)]).elapsedMs).toBe(2200);
    // Partly overlapping: the span itself.
    expect(mergeSummaries([run(0, 2000, 1), run(1, 2000, 2), run(2, 2000, 3)], true, [at(2), at(3), at(4)]).elapsedMs).toBe(4000);
    // A shard resumed a day later: at most what they scanned, not the day.
    expect(mergeSummaries([run(0, 2000, 1), run(0, 3000, 2), run(0, 2000, 3)], true, [at(2), at(86_400), at(2)]).elapsedMs).toBe(7000);
    // An end unknown (a killed shard): the slowest, as before.
    expect(mergeSummaries(inRow, true, [at(2), null, at(7)]).elapsedMs).toBe(2000);
  });

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
