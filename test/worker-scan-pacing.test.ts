/**
 * The scan-wide window paces like a host's (workers/congestion.ts scanWait):
 * once it has shrunk (loss on two hosts within a round trip: a limiter or a
 * link they share), probes to all hosts together leave at srtt / window apart,
 * so that separately paced hosts do not add up to bursts the shared limiter
 * drops. At its maximum it neither limits nor paces.
 */
import { describe, expect, it } from 'vitest';
import { F, HostTable, WINDOW_SCALE, createHostTable } from '../src/wire/hosts.js';
import { Congestion } from '../workers/congestion.js';

const WINDOW = 1024;

function setup(scanWindow: number): { c: Congestion; table: HostTable } {
  const table = new HostTable(createHostTable(4, WINDOW), 4);
  table.set(0, F.SRTT, 20_000); // 20 ms
  table.set(0, F.CWND, scanWindow * WINDOW_SCALE);
  return { c: new Congestion(table, WINDOW, 0), table };
}

describe('scan-wide pacing', () => {
  it('a shrunk scan window spaces launches by srtt / window: 20 ms / 40 = 0.5 ms', () => {
    const { c } = setup(40);
    expect(c.scanLimited()).toBe(true);
    // A burst of at most one extra probe, then the clock says wait.
    expect(c.scanWait(1000, 5)).toBe(0);
    expect(c.scanWait(1000, 5)).toBe(0);
    const wait = c.scanWait(1000, 5);
    expect(wait).toBeGreaterThan(0.4);
    expect(wait).toBeLessThanOrEqual(0.5);
    // Half a millisecond later one more may go.
    expect(c.scanWait(1000.5, 5)).toBe(0);
  });

  it('a full scan window waits for answers, however the clock stands', () => {
    const { c, table } = setup(40);
    table.set(0, F.INFLIGHT, 40);
    expect(c.scanWait(1000, 3)).toBe(5);
    expect(c.scanWait(1000, 0)).toBe(1);
  });

  it('at its maximum the scan window does not limit', () => {
    const { c } = setup(WINDOW);
    expect(c.scanLimited()).toBe(false);
  });
});
