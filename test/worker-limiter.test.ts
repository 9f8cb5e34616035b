/**
 * A limiter the loss evidence missed (workers/limiter.ts): most answers to
 * retries came only after two tries lost since the host's window last shrank.
 * The window then drops to what the host delivered in its last interval, and
 * the max filter that held a burst's rate with it.
 */
import { describe, expect, it } from 'vitest';
import { timingLine } from '../src/cli/run.js';
import { F, HostTable, WINDOW_SCALE, createHostTable } from '../src/wire/hosts.js';
import { TimingStats, TimingTotals } from '../src/wire/timing.js';
import { Congestion } from '../workers/congestion.js';
import { DEEP_MIN, shrinkStood } from '../workers/limiter.js';

const WINDOW = 1024;
const FULL = WINDOW * WINDOW_SCALE;

/** A host 20 ms away whose best recent rate is a burst's 2,200/s, and whose last interval delivered 200/s. */
function setup(): { c: Congestion; table: HostTable; cell: number; stats: TimingStats } {
  const table = new HostTable(createHostTable(4, WINDOW), 4);
  const cell = table.cellOf(1);
  for (const k of [0, cell]) table.set(k, F.SRTT, 20_000);
  table.set(cell, F.DELIV_RATE, 2200);
  table.set(cell, F.RAW_RATE, 200);
  const stats = new TimingStats();
  return { c: new Congestion(table, WINDOW, 0, stats), table, cell, stats };
}

/** The summary's words on the windows. */
function windowsLine(stats: TimingStats): string {
  const taken = stats.take();
  if (!taken) return '';
  const totals = new TimingTotals();
  totals.add(taken);
  return timingLine(totals.summary()).split('; ').find((p) => p.startsWith('window')) ?? '';
}

/** An answer at `now` to try `tries`, whose last lost try left at `lastAt` and the one before at `prevAt`. */
const answer = (c: Congestion, cell: number, now: number, tries: number, lastAt: number, prevAt: number): boolean =>
  c.lost(cell, 1, now, 20, { tries, lastAt, prevAt });

describe('a limiter that let a burst through', () => {
  it('half or more of the answers to retries after two tries lost: the window drops to the last interval\'s rate × srtt, and the max filter with it', () => {
    const { c, table, cell, stats } = setup();
    for (let i = 0; i < DEEP_MIN - 1; i++) expect(answer(c, cell, 1000 + i, 3, 900, 800)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(FULL);
    expect(answer(c, cell, 1010, 3, 900, 800)).toBe(true);
    // 200 answers/s × 20 ms: 4 probes in flight.
    expect(table.get(cell, F.CWND)).toBe(4 * WINDOW_SCALE);
    expect(table.get(cell, F.SSTHRESH)).toBe(4 * WINDOW_SCALE);
    expect(table.get(cell, F.DELIV_RATE)).toBe(200);
    // Not on probation: no undo to come.
    expect(table.get(cell, F.UNDO_CWND)).toBe(0);
    expect(windowsLine(stats)).toBe('window shrank 1 time (deep-retries)');
  });

  it('random loss loses a second try in a row less often than not: answers after one lost try outnumber those after two, and nothing shrinks on them', () => {
    const { c, table, cell, stats } = setup();
    // A quarter of the ports that lost a try lost the next one too (15 % loss each way: 28 %), spread out so that the
    // loss evidence of a round trip does not fire either.
    for (let i = 0; i < 48; i++) {
      const deep = i % 4 === 0;
      expect(answer(c, cell, 1000 + 25 * i, deep ? 2 : 1, 900 + 25 * i, deep ? 800 + 25 * i : 0)).toBe(false);
    }
    expect(table.get(cell, F.CWND)).toBe(FULL);
    expect(windowsLine(stats)).toBe('');
  });

  it("tries lost before the window's last shrink, one that stood, are no evidence: every port a scan still probes late has lost tries, at any rate", () => {
    const { c, table, cell } = setup();
    table.set(cell, F.DROP_AT, 5000);
    shrinkStood(table, cell);
    const counted = (): number => table.get(cell, F.DEEP_N) & 0x7fffffff;
    // The last lost try left before the shrink: not counted.
    for (let i = 0; i < 3 * DEEP_MIN; i++) answer(c, cell, 5100 + 10 * i, 5, 4900, 4800);
    expect(counted()).toBe(0);
    // It left after, the one before it did not: counted, not deep (the ports probed after a shrink to the right rate
    // were lost at most once since).
    for (let i = 0; i < 3 * DEEP_MIN; i++) answer(c, cell, 5400 + 10 * i, 5, 5050, 4800);
    expect(counted()).toBe(3 * DEEP_MIN);
    expect(table.get(cell, F.DROP_AT)).toBe(5000);
  });

  it('ends a shrink on probation standing, and shrinks at most once a round trip', () => {
    const { c, table, cell } = setup();
    table.set(cell, F.CWND, 64 * WINDOW_SCALE);
    table.set(cell, F.UNDO_CWND, FULL);
    table.set(cell, F.DROP_AT, 500);
    for (let i = 0; i < DEEP_MIN; i++) answer(c, cell, 1000 + i, 2, 900, 800);
    expect(table.get(cell, F.UNDO_CWND)).toBe(0);
    expect(table.get(cell, F.CWND)).toBe(4 * WINDOW_SCALE);
    // The counts start over; a second round of evidence within the round trip shrinks nothing more.
    table.set(cell, F.RAW_RATE, 50);
    for (let i = 0; i < DEEP_MIN; i++) answer(c, cell, 1010 + i, 2, 1008, 1007);
    expect(table.get(cell, F.CWND)).toBe(4 * WINDOW_SCALE);
    // A round trip later it does: by half at most below two probes... here to 2 (50/s × 20 ms is 1, but one step
    // goes no lower than two probes unless half is).
    for (let i = 0; i < DEEP_MIN; i++) answer(c, cell, 1040 + i, 2, 1030, 1020);
    expect(table.get(cell, F.CWND)).toBe(2 * WINDOW_SCALE);
  });
});
