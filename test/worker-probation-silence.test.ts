/**
 * A shrink judged by silence (workers/probation.ts): sized by the answers'
 * rate, it left behind firewalls that answer on few ports a window of a few
 * probes (a host's: two), each held a whole timeout, and nothing came back to
 * judge it by.
 */
import { describe, expect, it } from 'vitest';
import { F, HostTable, WINDOW_SCALE, createHostTable } from '../src/wire/hosts.js';
import { TimingStats } from '../src/wire/timing.js';
import { Congestion } from '../workers/congestion.js';
import { windowsLine } from './helpers/windows.js';
import { PROBE_GUARD_MS as G } from '../workers/congestion-tuning.js';

const WINDOW = 1024;

/** Two hosts at 200 ms lose 9 answers' first tries in a round trip: the scan's window shrinks at 1008 (and host a's). */
function shrunk(): { c: Congestion; table: HostTable; stats: TimingStats; a: number } {
  const table = new HostTable(createHostTable(4, WINDOW), 4);
  const stats = new TimingStats();
  const c = new Congestion(table, WINDOW, 0, stats);
  const [a, b] = [table.cellOf(0), table.cellOf(1)];
  for (const k of [0, a, b]) table.set(k, F.SRTT, 200_000);
  for (const h of [0, 1, 2]) table.setHeard(h);
  table.set(0, F.DELIV_RATE, 180);
  for (let i = 0; i < 7; i++) c.lost(a, 0, 1000 + i, 200);
  c.lost(b, 1, 1007, 200);
  expect(c.lost(a, 0, 1008, 200)).toBe(true);
  expect(table.get(0, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
  return { c, table, stats, a };
}

/** 20 probes to host 2 sent in the round trip the probation counts ([1008 + G, 1208 + G)), 5 ms apart. */
function send(c: Congestion, table: HostTable): number[] {
  const cell = table.cellOf(2);
  return Array.from({ length: 20 }, (_, i) => {
    const at = 1008 + G + 5 * i;
    c.launched(cell, 2, at);
    return at;
  });
}


describe('a shrink judged by what came back', () => {
  it('the probes sent at the new rate went silent (firewalled ports): once its losses could have shown, the shrink is undone', () => {
    const { c, table, stats } = shrunk();
    send(c, table);
    c.silent(0, 1208 + G + 199); // the loss that shrank it took 200 ms to show: not yet
    expect(table.get(0, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
    c.silent(0, 1208 + G + 200);
    expect(table.get(0, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
    expect(table.get(0, F.LOSS_LIMIT)).toBe(512);
    expect(windowsLine(stats)).toBe('window shrank 2 times (retry-answered), 1 undone (random loss or silence)');
  });

  it('a limiter: the probes sent at the rate it passes come back, too few to judge a share by, and the shrink stands', () => {
    const { c, table } = shrunk();
    for (const at of send(c, table)) c.delivered(table.cellOf(2), at + 200, 200);
    c.silent(0, 1208 + G + 200);
    expect(table.get(0, F.UNDO_CWND)).toBe(0);
    expect(table.get(0, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
  });

  it('a host\'s window is judged so too: behind its firewall, 2 probes a timeout to dropped ports, none back', () => {
    const { c, table, stats, a } = shrunk();
    const shrunkTo = table.get(a, F.CWND);
    for (let i = 0; i < 2; i++) c.launched(a, 0, 1008 + G + 50 * i);
    c.silent(a, 1208 + G + 199);
    expect(table.get(a, F.CWND)).toBe(shrunkTo);
    c.silent(a, 1208 + G + 200);
    expect(table.get(a, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
    expect(table.get(0, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE); // the scan's: not judged by the host's probes
    expect(windowsLine(stats)).toBe('window shrank 2 times (retry-answered), 1 undone (random loss or silence)');
  });

  it('one of two back (random loss) is no silence: the host\'s shrink stands', () => {
    const { c, table, a } = shrunk();
    for (let i = 0; i < 2; i++) c.launched(a, 0, 1008 + G + 50 * i);
    c.delivered(a, 1008 + G + 200, 200);
    c.silent(a, 1208 + G + 200);
    expect(table.get(a, F.UNDO_CWND)).toBe(0);
    expect(table.get(a, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
  });

  it('one probe sent: too little to call silence', () => {
    const { c, table } = shrunk();
    c.launched(table.cellOf(2), 2, 1008 + G);
    c.silent(0, 1208 + G + 200);
    expect(table.get(0, F.UNDO_CWND)).toBe(0);
    expect(table.get(0, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
  });
});
