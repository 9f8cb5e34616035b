/**
 * --rate and --host-rate: the busiest one-second window of sends stays within 5 % of the cap, all workers
 * together. A probe was sent at its record's ts less its rttMs: by the decision times alone a loop that the
 * suite's load held up decided late sends in a bunch, and a window held 85 of --host-rate 80's 84.
 */
import { describe, expect, it } from 'vitest';
import { ndjson, runCli } from './helpers/cli.js';

/** When a record's probe left: decided at ts, rttMs after it was sent. */
const sentAt = (x: Record<string, unknown>): number => Date.parse(x.ts as string) - (x.rttMs as number);

describe('rate caps', () => {
  /** Most probes sent within any `windowMs` window. */
  function peak(times: number[], windowMs: number): number {
    const t = [...times].sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < t.length; i++) {
      while (t[i]! - t[j]! >= windowMs) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  it('--rate holds the whole scan, all workers together, within 5 %', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1-9000', '-f', 'ndjson', '--states', 'all', '--rate', '3000', '--workers', '2', '-q', '--no-out-dir']);
    const times = ndjson(r.stdout).map(sentAt);
    expect(times).toHaveLength(9000);
    expect(peak(times, 1000)).toBeLessThanOrEqual(3000 * 1.05);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2900);
  });

  it('--host-rate keeps every host under its own cap', async () => {
    const r = await runCli(['127.0.0.1,127.0.0.2,127.0.0.3', '-p', '1-120', '-f', 'ndjson', '--states', 'all', '--host-rate', '80', '-q', '--no-out-dir']);
    const records = ndjson(r.stdout);
    expect(records).toHaveLength(360);
    for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
      const times = records.filter((x) => x.host === host).map(sentAt);
      expect(peak(times, 1000)).toBeLessThanOrEqual(80 * 1.05);
    }
  });
});
