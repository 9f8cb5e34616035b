/**
 * The shared host table's cells (src/wire/hosts.ts): one per host up to
 * MAX_EXACT_HOSTS; above that, consecutive hosts share one, so a host's
 * estimate is mixed only with its neighbours' (same subnet, same path), never
 * with a random far or near host's.
 */
import { describe, expect, it } from 'vitest';
import { CELL_FIELDS, HostTable, MAX_CLOCKED_HOSTS, MAX_EXACT_HOSTS, createHostTable } from '../src/wire/hosts.js';

const table = (hosts: number) => new HostTable(createHostTable(hosts, 64), hosts);
const cellNo = (t: HostTable, host: number) => t.cellOf(host) / CELL_FIELDS;

describe('host table cells', () => {
  it('gives every host a cell of its own up to MAX_EXACT_HOSTS, after the scan cell', () => {
    const t = table(MAX_EXACT_HOSTS);
    expect(cellNo(t, 0)).toBe(1);
    expect(cellNo(t, MAX_EXACT_HOSTS - 1)).toBe(MAX_EXACT_HOSTS);
    expect(t.cellOf(5)).not.toBe(t.cellOf(6));
  });

  it('in a /8 (2^24 hosts), each /22 shares one cell and no two /22s do', () => {
    const t = table(2 ** 24);
    const size = 2 ** 24 / MAX_EXACT_HOSTS;
    expect(size).toBe(1024);
    for (const block of [0, 1, 77, MAX_EXACT_HOSTS - 1]) {
      const first = block * size;
      expect(cellNo(t, first)).toBe(block + 1);
      expect(cellNo(t, first + size - 1)).toBe(block + 1);
    }
    expect(t.cellOf(size - 1)).not.toBe(t.cellOf(size));
  });

  it('costs at most ~2.8 MB however many hosts (all of it is written on a walk: 7.3 MB at 2^16 cells put a /14 with a text report over 100 MB of peak RSS)', () => {
    for (const hosts of [1, 1000, 2 ** 16, 2 ** 24, 2 ** 32]) expect(createHostTable(hosts, 64).byteLength).toBeLessThanOrEqual(2.8e6);
    // A /16 is shared in fours: neighbours, never far hosts.
    const t = table(2 ** 16);
    expect(cellNo(t, 3)).toBe(cellNo(t, 0));
    expect(cellNo(t, 4)).toBe(cellNo(t, 0) + 1);
  });

  it('just past the limit, neighbours pair up and every cell stays inside the table', () => {
    const hosts = MAX_EXACT_HOSTS + 1;
    const t = table(hosts);
    const seen = new Set<number>();
    for (let h = 0; h < hosts; h++) {
      const c = cellNo(t, h);
      expect(c).toBeGreaterThanOrEqual(1);
      expect(c).toBeLessThanOrEqual(MAX_EXACT_HOSTS);
      seen.add(c);
    }
    expect(seen.size).toBe(MAX_EXACT_HOSTS);
    expect(cellNo(t, hosts - 1)).toBe(MAX_EXACT_HOSTS);
  });

  it('stays inside the table for all of IPv4 and beyond', () => {
    for (const hosts of [2 ** 32, 2 ** 32 + 2 ** 24, 2 ** 40]) {
      const t = table(hosts);
      expect(cellNo(t, hosts - 1)).toBe(MAX_EXACT_HOSTS);
      expect(cellNo(t, 0)).toBe(1);
    }
  });
});

describe('--host-timeout clocks', () => {
  const clocked = (hosts: number) => new HostTable(createHostTable(hosts, 64, true), hosts);

  it('are only in a table made with them', () => {
    const t = table(2 ** 16);
    expect(t.clocked).toBe(false);
    expect(t.clockOf(5)).toBe(-1);
    expect(t.isGivenUp(-1)).toBe(false);
    expect(createHostTable(2 ** 16, 64, true).byteLength - createHostTable(2 ** 16, 64).byteLength).toBe(2 ** 16 * 4);
  });

  it('one per host past the shared timing cells: a neighbour given up gives up no other host', () => {
    const t = clocked(2 ** 16);
    expect(t.cellOf(0)).toBe(t.cellOf(1));
    expect(t.clockOf(0)).not.toBe(t.clockOf(1));
    expect(t.startClock(t.clockOf(0), 100)).toBe(100);
    expect(t.startClock(t.clockOf(0), 200)).toBe(100);
    expect(t.giveUp(t.clockOf(0))).toBe(true);
    expect(t.giveUp(t.clockOf(0))).toBe(false);
    expect(t.isGivenUp(t.clockOf(0))).toBe(true);
    expect(t.clockStart(t.clockOf(0))).toBe(100);
    expect(t.isGivenUp(t.clockOf(1))).toBe(false);
    expect(t.clockHosts(t.clockOf(0))).toBe(1);
    // Given up before it started: kept given up (the code does not rely on the order).
    expect(t.giveUp(t.clockOf(2))).toBe(true);
    expect(t.isGivenUp(t.clockOf(2))).toBe(true);
  });

  it('past MAX_CLOCKED_HOSTS, neighbours share one, and the clocks count every host once', () => {
    const hosts = 2 ** 24 + 3;
    const t = clocked(hosts);
    expect(createHostTable(hosts, 64, true).byteLength).toBeLessThanOrEqual(2.8e6 + MAX_CLOCKED_HOSTS * 4);
    expect(t.clockOf(0)).toBe(t.clockOf(15));
    expect(t.clockOf(hosts - 1)).toBe(MAX_CLOCKED_HOSTS - 1);
    let sum = 0;
    for (let c = 0; c < MAX_CLOCKED_HOSTS; c++) sum += t.clockHosts(c);
    expect(sum).toBe(hosts);
    // clockHosts agrees with clockOf at the edges of a run.
    const first = t.clockOf(2 ** 23);
    let n = 0;
    for (let h = 2 ** 23 - 40; h < 2 ** 23 + 40; h++) if (t.clockOf(h) === first) n++;
    expect(n).toBe(t.clockHosts(first));
  });
});
