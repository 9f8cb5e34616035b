/**
 * Loss evidence (workers/congestion.ts lost): answers that came only to a
 * retry shrink a window once LOSS_MIN of them come within one round trip; a
 * few are chance (behind a firewall that drops most ports, the answering
 * ports that lost a packet), and must not throttle the host.
 */
import { describe, expect, it } from 'vitest';
import { F, HostTable, WINDOW_SCALE, createHostTable } from '../src/wire/hosts.js';
import { Congestion } from '../workers/congestion.js';

const WINDOW = 1024;

function setup(): { c: Congestion; table: HostTable; cell: number } {
  const table = new HostTable(createHostTable(4, WINDOW), 4);
  const cell = table.cellOf(1);
  for (const k of [0, cell]) table.set(k, F.SRTT, 200_000); // 200 ms
  return { c: new Congestion(table, WINDOW, 0), table, cell };
}

describe('loss evidence', () => {
  it('seven answers only to retries within a round trip leave the window alone', () => {
    const { c, table, cell } = setup();
    for (let i = 0; i < 7; i++) expect(c.lost(cell, 1, 1000 + i)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });

  it('the eighth within the same round trip shrinks the host window', () => {
    const { c, table, cell } = setup();
    for (let i = 0; i < 7; i++) c.lost(cell, 1, 1000 + i);
    expect(c.lost(cell, 1, 1100)).toBe(true);
    expect(table.get(cell, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
  });

  it('losses more than a round trip apart do not add up', () => {
    const { c, table, cell } = setup();
    for (let i = 0; i < 7; i++) c.lost(cell, 1, 1000 + i);
    for (let i = 0; i < 7; i++) expect(c.lost(cell, 1, 1300 + i)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });
});

describe('loss evidence is a share of what the path delivers', () => {
  // 4,000 answers/s at 200 ms: 800 a round trip (below the window of 1,024), so 100 losses in one are an eighth.
  function delivering(): ReturnType<typeof setup> {
    const s = setup();
    s.table.set(s.cell, F.DELIV_RATE, 4_000);
    return s;
  }

  it('random loss, a few percent of a fast path, shrinks nothing however many it is', () => {
    const { c, table, cell } = delivering();
    for (let i = 0; i < 99; i++) expect(c.lost(cell, 1, 1000 + i)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });

  it('an eighth of a round trip\'s delivery lost in it shrinks the window', () => {
    const { c, table, cell } = delivering();
    for (let i = 0; i < 99; i++) c.lost(cell, 1, 1000 + i);
    expect(c.lost(cell, 1, 1150)).toBe(true);
    expect(table.get(cell, F.CWND)).toBe(800 * WINDOW_SCALE);
  });
});
