/**
 * The shared timing table keeps times as Int32 milliseconds (the host clocks
 * of --host-timeout, the windows' loss and rate marks). They count from the
 * scan's start: counted from the process's start, a library process alive
 * 24.8 days wrapped them, and --host-timeout then gave every host up at its
 * first probe.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scan } from '../src/api.js';

const DAY_MS = 86_400_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a library process alive for weeks', () => {
  it('--host-timeout still times each host from its first probe (25 days after the process started)', async () => {
    const real = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => real() + 25 * DAY_MS);
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.1', '127.0.0.2'], ports: '1-50', states: ['closed', 'filtered', 'error'], hostTimeoutMs: 60_000 });
    const records = [];
    for await (const r of run) records.push(r);
    const summary = await run.summary;
    // Nothing listens on 127.0.0.1-2 ports 1-50 in the test machine's namespace, or if something does it is open and left out.
    expect(records.filter((r) => r.reason === 'host-timeout')).toEqual([]);
    expect(records.every((r) => r.state === 'closed')).toBe(true);
    expect(summary.timing.hostsGivenUp).toBe(0);
  });
});
