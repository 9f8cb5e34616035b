/**
 * The limiter evidence (workers/limiter.ts) across a shrink its probation
 * undid: behind a limiter that let a burst through, the burst sized every
 * shrink, each was undone as random loss and the next came within ~0.2 s.
 * Counted only from each shrink, the deep answers never added up, and 1-70
 * closed ports were filtered at the --retries cap (lab rstlimit, ~1 run in 9).
 * A shrink undone sets no rate to judge tries by; one that stood does.
 */
import { describe, expect, it } from 'vitest';
import { F, HostTable, WINDOW_SCALE, createHostTable } from '../src/wire/hosts.js';
import { TimingStats } from '../src/wire/timing.js';
import { PROBE_GUARD_MS as G } from '../workers/congestion-tuning.js';
import { Congestion } from '../workers/congestion.js';
import { DEEP_MIN, deepEvidence, limiterShrink } from '../workers/limiter.js';
import { windowsLine } from './helpers/windows.js';

const WINDOW = 1024;
const FULL = WINDOW * WINDOW_SCALE;

/** A host 200 ms away whose window shrank at 1007 on 8 answers to retries in a round trip, now on probation. */
function shrunk(): { c: Congestion; table: HostTable; stats: TimingStats; cell: number } {
  const table = new HostTable(createHostTable(4, WINDOW), 4);
  const stats = new TimingStats();
  const c = new Congestion(table, WINDOW, 0, stats);
  const cell = table.cellOf(0);
  for (const k of [0, cell]) table.set(k, F.SRTT, 200_000);
  table.setHeard(0);
  for (let i = 0; i < 7; i++) expect(c.lost(cell, 0, 1000 + i, 200)).toBe(false);
  expect(c.lost(cell, 0, 1007, 200)).toBe(true);
  expect(table.get(cell, F.DROP_AT)).toBe(1007);
  expect(table.get(cell, F.UNDO_CWND)).toBe(FULL);
  // What the host delivered in its last interval alone: a limit of 20/s, 4 probes in 200 ms.
  table.set(cell, F.RAW_RATE, 20);
  return { c, table, stats, cell };
}

/** DEEP_MIN answers to retries, each after two tries lost that left before the shrink (at 900 and 950): whether each was evidence of a limiter. */
const deepAnswers = (table: HostTable, cell: number): boolean[] => Array.from({ length: DEEP_MIN }, () => deepEvidence(table, cell, 3, 950, 900));

describe('the limiter evidence across a shrink on probation', () => {
  it('a shrink undone (its probes went silent) does not start the count over: tries lost before it are still evidence, and the window drops to the limit', () => {
    const { c, table, stats, cell } = shrunk();
    for (let i = 0; i < 2; i++) c.launched(cell, 0, 1007 + G + 50 * i);
    c.silent(cell, 1207 + G + 200);
    expect(table.get(cell, F.CWND)).toBe(FULL);
    // Counted with the 8 answers that shrank it (after one lost try each): the 8th deep one is half.
    expect(deepAnswers(table, cell)).toEqual([...Array<boolean>(DEEP_MIN - 1).fill(false), true]);
    expect(limiterShrink(table, cell, 1300)).toBe(true);
    expect(table.get(cell, F.CWND)).toBe(4 * WINDOW_SCALE);
    expect(windowsLine(stats)).toBe('window shrank 1 time (retry-answered), 1 undone (random loss or silence)');
  });

  it('a shrink that stood (its probes came back) starts the count over: tries lost before it are no evidence', () => {
    const { c, table, cell } = shrunk();
    for (let i = 0; i < 2; i++) c.launched(cell, 0, 1007 + G + 50 * i);
    for (let i = 0; i < 2; i++) c.delivered(cell, 1207 + G + 50 * i, 200);
    c.silent(cell, 1207 + G + 200);
    expect(table.get(cell, F.UNDO_CWND)).toBe(0);
    expect(deepAnswers(table, cell)).not.toContain(true);
    expect(table.get(cell, F.DEEP_N) & 0xffff).toBe(0);
  });
});
