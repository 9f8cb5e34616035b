/**
 * When a host that answered is in an outage (workers/outage.ts): first tries
 * sent since its last answer that all timed out, more than its own share of
 * unanswered first tries explains. A firewall that drops most ports is not
 * one, nor a silence before the host answered; one over OUTAGE_MAX_MS is
 * "over" (the host gone); an answer ends it and dates it for the tries sent
 * during it (sentInOutage).
 */
import { describe, expect, it } from 'vitest';
import { HostTable, createHostTable } from '../src/wire/hosts.js';
import { OUTAGE_MAX_MS, firstTryLost, outageAnswered, outageOf, sentInOutage } from '../workers/outage.js';

function table(): HostTable {
  return new HostTable(createHostTable(1, 1024), 1);
}
/** `n` first tries answered at time `at`, then `lost` first tries sent at `sentAt` that timed out. */
function history(t: HostTable, n: number, at: number, lost: number, sentAt: number): void {
  for (let i = 0; i < n; i++) outageAnswered(t, t.cellOf(0), 0, at);
  for (let i = 0; i < lost; i++) firstTryLost(t, t.cellOf(0), sentAt);
}

describe('a host outage', () => {
  it('a host that answered every first try, then 8 in a row lost since its last answer: on, then over after OUTAGE_MAX_MS', () => {
    const t = table();
    history(t, 100, 1000, 7, 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
    firstTryLost(t, t.cellOf(0), 1002);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('on');
    expect(outageOf(t, t.cellOf(0), 1000 + OUTAGE_MAX_MS)).toBe('over');
  });

  it('tries sent before the last answer are no part of it', () => {
    const t = table();
    history(t, 100, 1000, 50, 999);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
  });

  it('a firewall that drops 9 of 10 first tries needs a run its share does not explain (0.9^n < 1/10,000: 88)', () => {
    const t = table();
    history(t, 100, 1000, 900, 500); // its history: 100 answered, 900 dropped before the last answer
    for (let i = 0; i < 87; i++) firstTryLost(t, t.cellOf(0), 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
    firstTryLost(t, t.cellOf(0), 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('on');
  });

  it('fewer than 8 first tries answered: never one', () => {
    const t = table();
    history(t, 7, 1000, 50, 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
  });

  it('an answer ends it, and dates it: a try sent during it may be tried again', () => {
    const t = table();
    history(t, 100, 1000, 20, 1001);
    expect(outageOf(t, t.cellOf(0), 3000)).toBe('on');
    outageAnswered(t, t.cellOf(0), 1, 7000);
    expect(outageOf(t, t.cellOf(0), 7001)).toBe('none');
    expect(sentInOutage(t, t.cellOf(0), 999)).toBe(false);
    expect(sentInOutage(t, t.cellOf(0), 5000)).toBe(true);
    expect(sentInOutage(t, t.cellOf(0), 7000)).toBe(false);
  });

  it('an answer after a silence that was no outage dates nothing', () => {
    const t = table();
    history(t, 100, 1000, 3, 1001);
    outageAnswered(t, t.cellOf(0), 0, 2000);
    expect(sentInOutage(t, t.cellOf(0), 1500)).toBe(false);
  });
});
