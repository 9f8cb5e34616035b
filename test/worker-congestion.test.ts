/**
 * Loss evidence (workers/congestion.ts lost): answers that came only to a
 * retry shrink a window once LOSS_MIN of them come within one round trip; a
 * few are chance (behind a firewall that drops most ports, the answering
 * ports that lost a packet), and must not throttle the host.
 */
import { describe, expect, it } from 'vitest';
import { F, HostTable, WINDOW_SCALE, createHostTable } from '../src/wire/hosts.js';
import { TimingStats } from '../src/wire/timing.js';
import { Congestion } from '../workers/congestion.js';
import { type Attempt, FIRST_TRY, LEFT_AT_MAXIMUM, nextTry } from '../workers/attempt.js';
import { windowsLine } from './helpers/windows.js';
import { FLOODED, LIMITED, MIN_WINDOW, UNSETTLED, PROBE_GUARD_MS as G, SLOW_LOSS_MIN, SLOW_LOSS_MS } from '../workers/congestion-tuning.js';

const WINDOW = 1024;

/** The tries of a position answered at its first retry, the first try having left at `at`. */
const lastAt = (at: number, lastPair = false) => ({ tries: 1, lastAt: at, prevAt: 0, lastPair });

/** Whether a timed-out try that left at `start` may have been a limiter's drop. */
const limited = (c: Congestion, cell: number, start: number): boolean => (c.limits(cell, start) & LIMITED) !== 0;

function setup(): { c: Congestion; table: HostTable; cell: number; stats: TimingStats } {
  const table = new HostTable(createHostTable(4, WINDOW), 4);
  const cell = table.cellOf(1);
  for (const k of [0, cell]) table.set(k, F.SRTT, 200_000); // 200 ms
  const stats = new TimingStats();
  return { c: new Congestion(table, WINDOW, 0, stats), table, cell, stats };
}


describe('loss evidence', () => {
  it('seven answers only to retries within a round trip leave the window alone', () => {
    const { c, table, cell } = setup();
    for (let i = 0; i < 7; i++) expect(c.lost(cell, 1, 1000 + i, 200)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });

  it('the eighth within the same round trip shrinks the host window', () => {
    const { c, table, cell } = setup();
    for (let i = 0; i < 7; i++) c.lost(cell, 1, 1000 + i, 200);
    expect(c.lost(cell, 1, 1100, 200)).toBe(true);
    expect(table.get(cell, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
  });

  it('losses more than a round trip, and more than SLOW_LOSS_MS, apart do not add up', () => {
    const { c, table, cell } = setup();
    for (let i = 0; i < 7; i++) c.lost(cell, 1, 1000 + i, 200);
    // The next span's: fewer than SLOW_LOSS_MIN (the first span's answers measured a rate of 14/s).
    for (let i = 0; i < SLOW_LOSS_MIN - 1; i++) expect(c.lost(cell, 1, 1000 + SLOW_LOSS_MS + 1 + i, 200)).toBe(false);
    expect(table.get(cell, F.DELIV_RATE)).toBeGreaterThan(0);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });

  /** A host at 20 ms that delivers `perSecond` answers a second (behind a SYN limiter). */
  function limitedTo(perSecond: number): ReturnType<typeof setup> {
    const s = setup();
    s.table.set(s.cell, F.SRTT, 20_000);
    s.table.set(s.cell, F.DELIV_RATE, perSecond);
    return s;
  }
  // Behind 100 SYNs/s: ~55 answers a second come only to a retry, one every 18 ms, never 8 in a round trip
  // (lab: no window shrank, ~410 of 500 ports called filtered).
  const sparse = (): ReturnType<typeof setup> => limitedTo(100);

  it('answers to retries too sparse for any round trip shrink the window over SLOW_LOSS_MS, once they are a quarter of its delivery then', () => {
    const { c, table, cell } = sparse();
    // 100 answers a second, decayed to 95 by an interval of losses alone: 47.5 in 500 ms, a quarter of them 11.9.
    for (let i = 0; i < 11; i++) expect(c.lost(cell, 1, 1000 + 18 * i, 20)).toBe(false);
    expect(c.lost(cell, 1, 1000 + 18 * 11, 20)).toBe(true);
    // To what it delivers: 100/s × 20 ms, 2 in flight, paced 10 ms apart.
    expect(table.get(cell, F.CWND)).toBe(2 * WINDOW_SCALE);
  });

  // Behind 10 SYNs/s: 5 answers in SLOW_LOSS_MS, nearly all only to retries. With LOSS_MIN over that span
  // no window shrank, and the retries ran out in 1.4 s (lab: 85 of 100 ports filtered).
  const trickle = (): ReturnType<typeof setup> => limitedTo(10);

  it('once a delivery rate is measured, SLOW_LOSS_MIN answers only to retries in SLOW_LOSS_MS are evidence', () => {
    const { c, table, cell } = trickle();
    for (let i = 0; i < SLOW_LOSS_MIN - 1; i++) expect(c.lost(cell, 1, 1000 + 100 * i, 20)).toBe(false);
    expect(c.lost(cell, 1, 1000 + 100 * (SLOW_LOSS_MIN - 1), 20)).toBe(true);
    expect(table.get(cell, F.CWND)).toBe(2 * WINDOW_SCALE); // from its maximum, to two probes at most
  });

  it('...but not while they are under a quarter of what the host delivers then', () => {
    const { c, table, cell } = trickle();
    table.set(cell, F.DELIV_RATE, 100); // 50 answers in SLOW_LOSS_MS: 4 of them are chance
    for (let i = 0; i < 2 * SLOW_LOSS_MIN; i++) expect(c.lost(cell, 1, 1000 + 50 * i, 20)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });

  it('below two probes a window at most halves a shrink, down to the rate, below one probe: a pacing interval longer than the round trip', () => {
    const { c, table, cell } = trickle();
    const shrinkNow = (at: number): void => {
      table.set(cell, F.UNDO_CWND, 0); // the last probation closed, the shrink standing
      table.set(cell, F.DROP_AT, 0);
      table.set(cell, F.SLOW_N, 0);
      table.set(cell, F.DELIV_RATE, 10); // 10/s × 20 ms: a fifth of a probe in flight
      for (let i = 0; i < SLOW_LOSS_MIN; i++) c.lost(cell, 1, at + 10 * i, 20);
    };
    const windows: number[] = [];
    for (let n = 0; n < 8; n++) {
      shrinkNow(10_000 * (n + 1));
      windows.push(table.get(cell, F.CWND));
    }
    const S = WINDOW_SCALE;
    // 2, then halving to the rate's ~0.2 of a probe (the losses count in the rate: ~9/s), then held there.
    expect(windows.slice(0, 4)).toEqual([2 * S, S, S / 2, S / 4]);
    const low = windows[4]!;
    expect(low).toBeGreaterThan(MIN_WINDOW);
    expect(low).toBeGreaterThan(0.15 * S);
    expect(low).toBeLessThan(0.25 * S);
    expect(windows.slice(5)).toEqual([low, low, low]);
    // Paced at srtt / window: 20 ms × 256 / ~50, ~100 ms apart (~10/s), not 10 ms (100/s).
    const now = 50_000;
    expect(c.hostWait(cell, now)).toBe(0);
    expect(c.hostWait(cell, now)).toBe(0); // a burst of one extra probe
    const wait = c.hostWait(cell, now);
    expect(wait).toBeCloseTo((20 * S) / low, 0);
    expect(wait).toBeGreaterThan(80);
  });

  it('a window below one probe grows by at most an eighth of itself an answer', () => {
    const { c, table, cell } = trickle();
    table.set(cell, F.CWND, 52);
    table.set(cell, F.SSTHRESH, 52);
    table.set(0, F.CWND, 100 * WINDOW_SCALE);
    c.delivered(cell, 1000, 20);
    expect(table.get(cell, F.CWND)).toBe(52 + 6);
    c.delivered(cell, 1001, 20);
    expect(table.get(cell, F.CWND)).toBe(58 + 7);
  });

  it('random loss on a fast path stays under a quarter of what it delivers in SLOW_LOSS_MS too', () => {
    const { c, table, cell } = sparse();
    table.set(cell, F.DELIV_RATE, 20_000); // 10,000 answers in 500 ms; a loss a millisecond is 5 %
    for (let i = 0; i < 1500; i++) expect(c.lost(cell, 1, 1000 + i, 20)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });
});

describe('tries in the flood a shrink was for', () => {
  it("a try that left before the last shrink of its host's window, or of the scan's, was in it; one after, not", () => {
    const { c, table, cell } = setup();
    const other = table.cellOf(2);
    expect(limited(c, cell, 999)).toBe(false); // no shrink yet
    for (let i = 0; i < 8; i++) c.lost(cell, 1, 1000 + i, 200);
    expect(table.get(cell, F.DROP_AT)).toBe(1007);
    expect(limited(c, cell, 1006)).toBe(true);
    expect(limited(c, cell, 1007)).toBe(false);
    expect(limited(c, other, 1006)).toBe(false); // the scan's window did not shrink: one host's loss
    table.set(0, F.DROP_AT, 1500);
    expect(limited(c, other, 1400)).toBe(true);
  });

  it("a window below two probes (a second shrink: a limiter) marks every host's tries, the host's own or the scan's", () => {
    const { c, table, cell } = setup();
    const other = table.cellOf(2);
    expect(limited(c, cell, 0)).toBe(false);
    table.set(cell, F.CWND, 2 * WINDOW_SCALE); // a first shrink stops at two
    expect(limited(c, cell, 0)).toBe(false);
    table.set(cell, F.CWND, 2 * WINDOW_SCALE - 1);
    expect(limited(c, cell, 0)).toBe(true);
    expect(limited(c, other, 0)).toBe(false);
    table.set(0, F.CWND, WINDOW_SCALE);
    expect(limited(c, other, 0)).toBe(true);
  });

  it('a probe that left while its host\'s window and the scan\'s were at their maximum is marked so (Tries.flood); once either shrank, not', () => {
    const { c, table, cell } = setup();
    expect(c.launched(cell, 1, 0) & LEFT_AT_MAXIMUM).toBe(LEFT_AT_MAXIMUM);
    table.set(0, F.CWND, 100 * WINDOW_SCALE);
    expect(c.launched(cell, 1, 0) & LEFT_AT_MAXIMUM).toBe(0);
    table.set(0, F.CWND, WINDOW * WINDOW_SCALE);
    table.set(cell, F.CWND, 100 * WINDOW_SCALE);
    expect(c.launched(cell, 1, 0) & LEFT_AT_MAXIMUM).toBe(0);
    // A timeout of such a probe counts in its position's flood; any other failure, or a probe sent later, does not.
    const a = { history: FIRST_TRY, start: 0, pairTimedOut: false, held: 'no', counted: LEFT_AT_MAXIMUM, chunk: null, k: 0 } as unknown as Attempt;
    expect(nextTry(a, 'tries').history).toMatchObject({ tries: 1, flood: 1 });
    expect(nextTry(a, 'localTries').history).toMatchObject({ tries: 0, flood: 0 });
    expect(nextTry({ ...a, counted: 1 } as Attempt, 'tries').history).toMatchObject({ tries: 1, flood: 0 });
  });

  it('a window of one probe that never shrank (--concurrency 1) is not limited', () => {
    const table = new HostTable(createHostTable(4, 1), 4);
    const c = new Congestion(table, 1, 0);
    const cell = table.cellOf(1);
    expect(table.get(cell, F.CWND)).toBe(WINDOW_SCALE);
    expect(limited(c, cell, 0)).toBe(false);
    table.set(cell, F.CWND, WINDOW_SCALE / 2); // shrunk
    expect(limited(c, cell, 0)).toBe(true);
  });
});

describe('loss evidence is a share of what the path delivers', () => {
  // 4,000 answers/s at 200 ms: 800 a round trip (below the window of 1,024), so 200 losses in one are a quarter.
  function delivering(): ReturnType<typeof setup> {
    const s = setup();
    s.table.set(s.cell, F.DELIV_RATE, 4_000);
    return s;
  }

  it('random loss, up to just under a quarter of what a path delivers in a round trip, shrinks nothing', () => {
    // An eighth (100 here), the share it once took, was crossed now and then by 5 % loss each way (lab mixloss).
    const { c, table, cell } = delivering();
    for (let i = 0; i < 199; i++) expect(c.lost(cell, 1, 1000 + i, 200)).toBe(false);
    expect(table.get(cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
  });

  it('a quarter of a round trip\'s delivery lost in it shrinks the window', () => {
    const { c, table, cell } = delivering();
    for (let i = 0; i < 199; i++) c.lost(cell, 1, 1000 + i, 200);
    expect(c.lost(cell, 1, 1199, 200)).toBe(true);
    expect(table.get(cell, F.CWND)).toBe(800 * WINDOW_SCALE);
  });
});

describe("the scan's window over hosts near and far", () => {
  function twoHosts(): { c: Congestion; table: HostTable; near: number; far: number } {
    const table = new HostTable(createHostTable(4, WINDOW), 4);
    const c = new Congestion(table, WINDOW, 0);
    const near = table.cellOf(0);
    const far = table.cellOf(1);
    table.set(near, F.SRTT, 2_000);
    table.set(far, F.SRTT, 390_000);
    // The scan's srtt follows its last few answers: the near host's.
    table.set(0, F.SRTT, 2_000);
    table.set(0, F.CWND, (WINDOW / 2) * WINDOW_SCALE); // below its maximum: every answer counts
    return { c, table, near, far };
  }

  it("shrinks to its delivery rate × its answers' mean round trip, not × its srtt", () => {
    const { c, table, near, far } = twoHosts();
    // 400 ms of answers, half from each host: 1,000 a second, mean round trip 196 ms.
    for (let t = 0; t < 400; t++) c.delivered(t % 2 ? far : near, 1000 + t, t % 2 ? 390 : 2);
    c.delivered(near, 1400, 2); // closes the interval
    expect(table.get(0, F.MEAN_RTT)).toBeGreaterThan(190_000);
    expect(table.get(0, F.MEAN_RTT)).toBeLessThan(200_000);
    // Loss on both hosts within a round trip, a quarter of its delivery: the scan's window shrinks,
    // to ~1,000/s × 0.196 s ≈ 196, not 1,000/s × 2 ms = 2.
    const before = table.get(0, F.CWND);
    for (let i = 0; i < 60; i++) c.lost(i % 2 ? far : near, i % 2, 1401 + i, i % 2 ? 390 : 2);
    const after = table.get(0, F.CWND) / WINDOW_SCALE;
    expect(table.get(0, F.CWND)).toBeLessThan(before);
    expect(after).toBeGreaterThan(150);
    expect(after).toBeLessThan(250);
  });

  it('does not count probes to a host never heard from (each would hold a slot a whole timeout)', () => {
    const { c, table } = twoHosts();
    const dead = table.cellOf(2);
    c.launched(dead, 2, 0);
    expect(table.get(0, F.INFLIGHT)).toBe(0);
    expect(table.get(dead, F.INFLIGHT)).toBe(0); // its own window is at its maximum: not counted either
    table.setHeard(3);
    const counted = c.launched(table.cellOf(3), 3, 0);
    expect(table.get(0, F.INFLIGHT)).toBe(1);
    c.landed(table.cellOf(3), counted);
    expect(table.get(0, F.INFLIGHT)).toBe(0);
  });
});

describe('the summary\'s count of shrinks', () => {
  it('counts each window that shrank: one answer may shrink a host\'s and the scan\'s, and each may be undone (it said "1 time, 2 undone")', () => {
    const table = new HostTable(createHostTable(4, WINDOW), 4);
    const stats = new TimingStats();
    const c = new Congestion(table, WINDOW, 0, stats);
    const [a, b] = [table.cellOf(0), table.cellOf(1)];
    for (const k of [0, a, b]) table.set(k, F.SRTT, 200_000);
    table.set(0, F.DELIV_RATE, 180); // 36 answers a round trip: the scan's window shrinks on the 9th loss in one
    for (let i = 0; i < 7; i++) expect(c.lost(a, 0, 1000 + i, 200)).toBe(false);
    expect(c.lost(b, 1, 1007, 200)).toBe(false); // the 8th: two hosts lost, too few for the scan
    expect(c.lost(a, 0, 1008, 200)).toBe(true); // the host's 8th and the scan's 9th
    expect([0, a, b].map((k) => table.get(k, F.CWND) < WINDOW * WINDOW_SCALE)).toEqual([true, true, false]);
    expect(windowsLine(stats)).toBe('window shrank 2 times (retry-answered)');
  });
});

describe("a dead host's probes in the scan's delivery rate", () => {
  // Two live hosts at 200 ms answer 1,000 probes a second between them; as many go to a dead host
  // and time out. The scan paces every probe, so its rate must count the dead host's too: left
  // out, a shrink paced the scan at half what it sent, and each later shrink lower (lab mixloss).
  it("a shrink keeps the answering hosts' probes in flight and paces at the rate sent to all", () => {
    const table = new HostTable(createHostTable(4, WINDOW), 4);
    const c = new Congestion(table, WINDOW, 0);
    const [a, b] = [table.cellOf(0), table.cellOf(1)];
    for (const k of [0, a, b]) table.set(k, F.SRTT, 200_000);
    table.set(0, F.CWND, (WINDOW / 2) * WINDOW_SCALE); // below its maximum: every answer counts
    for (let t = 0; t < 400; t++) {
      c.delivered(t % 2 ? a : b, 1000 + t, 200);
      c.unanswered(1000 + t, 800 + t);
    }
    c.delivered(a, 1400, 200); // closes the interval: ~2,000 a second, mean round trip ~100 ms
    for (let i = 0; i < 60; i++) c.lost(i % 2 ? a : b, i % 2, 1401 + i, 200);
    // The window: 1,000 answers a second × 200 ms = ~200 in flight, as without the dead host.
    const cwnd = table.get(0, F.CWND) / WINDOW_SCALE;
    expect(cwnd).toBeGreaterThan(180);
    expect(cwnd).toBeLessThan(220);
    // Its pacing: ~2,000 probes a second (0.5 ms apart), not the ~1,000 that answered (1 ms).
    expect(c.scanWait(2000, 0)).toBe(0);
    expect(c.scanWait(2000, 0)).toBe(0); // a burst of one
    const wait = c.scanWait(2000, 0);
    expect(wait).toBeGreaterThan(0.4);
    expect(wait).toBeLessThan(0.6);
  });
});

describe("a silent host's timeouts from before the scan's shrink", () => {
  // A limiter 4 hosts share: the opening flood lost every first try of one of them; those all time out at once.
  it('are not deliveries: a clump of them read as hundreds a second and held the pacing above the limiter', () => {
    const table = new HostTable(createHostTable(4, WINDOW), 4);
    const c = new Congestion(table, WINDOW, 0);
    table.set(0, F.SRTT, 20_000);
    table.set(0, F.CWND, 2 * WINDOW_SCALE);
    table.set(0, F.DROP_AT, 500); // the scan's window shrank at 500 ms
    for (let t = 0; t <= 100; t++) c.delivered(table.cellOf(0), 1000 + t * 20, 20); // 50 answers a second
    const before = table.get(0, F.DELIV_RATE);
    expect(before).toBeGreaterThan(40);
    for (let i = 0; i < 100; i++) c.unanswered(3001 + i / 10, 10); // 100 first tries sent at 10 ms, due together
    c.delivered(table.cellOf(0), 3200, 20); // closes the interval
    expect(table.get(0, F.DELIV_RATE)).toBeLessThanOrEqual(before);
    for (let i = 0; i < 100; i++) c.unanswered(3201 + i / 10, 600); // paced ones, after the shrink, count
    c.delivered(table.cellOf(0), 3400, 20);
    expect(table.get(0, F.DELIV_RATE)).toBeGreaterThan(400);
  });
});

describe('a flood, for a host never heard from', () => {
  it("a try that left before the scan's window shrank, no shrink of the scan's undone", () => {
    const { c, table, cell } = setup();
    expect(c.limits(cell, 900) & FLOODED).toBe(0); // no shrink yet
    table.set(0, F.DROP_AT, 1000);
    expect(c.limits(cell, 900)).toBe(LIMITED | FLOODED);
    expect(c.limits(cell, 1000) & FLOODED).toBe(0); // after it: paced
    table.set(cell, F.DROP_AT, 1000);
    table.set(0, F.DROP_AT, 0);
    expect(c.limits(cell, 900)).toBe(LIMITED); // the host's own window: a host heard from
    table.set(0, F.DROP_AT, 1000);
    table.set(0, F.LOSS_LIMIT, 512); // a shrink of the scan's was undone: random loss, no flood
    expect(c.limits(cell, 900)).toBe(LIMITED);
  });
});

describe('loss that no window has shrunk for yet', () => {
  it('marks a try that left less than SLOW_LOSS_MS ago UNSETTLED, in the opening, until the host\'s window or the scan\'s shrinks', () => {
    const { c, table, cell } = setup();
    expect(c.limits(cell, 900, 1000) & UNSETTLED).toBe(0); // no loss shown yet
    c.lost(table.cellOf(2), 2, 950, 20); // one answer only to a retry, another host's: no window shrinks
    expect(table.get(0, F.DROP_AT)).toBe(0);
    expect(c.limits(cell, 900, 1000)).toBe(UNSETTLED);
    expect(c.limits(cell, 900, 900 + SLOW_LOSS_MS - 1)).toBe(UNSETTLED);
    expect(c.limits(cell, 900, 900 + SLOW_LOSS_MS) & UNSETTLED).toBe(0); // waited the slowest span loss is counted over
    const end = 950 + 2 * SLOW_LOSS_MS; // the opening: from the scan's first loss
    expect(c.limits(cell, end - 100, end - 1)).toBe(UNSETTLED);
    c.lost(table.cellOf(2), 2, end - 50, 20); // later losses do not prolong it
    expect(c.limits(cell, end - 100, end) & UNSETTLED).toBe(0); // random loss, or a firewall's drops: no wait at the scan's end
    table.set(cell, F.DROP_AT, 1000); // the host's window shrank: LIMITED judges its tries from then on
    expect(c.limits(cell, 900, 1010)).toBe(LIMITED);
    table.set(cell, F.DROP_AT, 0);
    table.set(0, F.DROP_AT, 1000); // the scan's
    expect(c.limits(cell, 900, 1010) & UNSETTLED).toBe(0);
  });
});

describe('an answer to a retry of a host that woke', () => {
  it('counts as a delivery but grows no window: it says nothing of what the path carries (behind a 50 SYNs/s limit, 1 → 17 probes in 3.6 s)', () => {
    const { c, table, cell } = setup();
    table.set(cell, F.CWND, 2 * WINDOW_SCALE);
    table.set(cell, F.SSTHRESH, 2 * WINDOW_SCALE);
    table.set(0, F.CWND, 2 * WINDOW_SCALE);
    table.set(0, F.SSTHRESH, 2 * WINDOW_SCALE);
    c.delivered(cell, 1000, 20, false);
    expect(table.get(cell, F.CWND)).toBe(2 * WINDOW_SCALE);
    expect(table.get(0, F.CWND)).toBe(2 * WINDOW_SCALE);
    expect(table.get(cell, F.DELIV_COUNT) + table.get(cell, F.DELIV_START)).toBeGreaterThan(0); // counted
    c.delivered(cell, 1001, 20); // a first try's answer grows both
    expect(table.get(cell, F.CWND)).toBeGreaterThan(2 * WINDOW_SCALE);
    expect(table.get(0, F.CWND)).toBeGreaterThan(2 * WINDOW_SCALE);
  });
});

describe('an interval of silent hosts\' timeouts alone', () => {
  it("keeps the scan's mean round trip (no answer, no round trip to take)", () => {
    const table = new HostTable(createHostTable(4, WINDOW), 4);
    const c = new Congestion(table, WINDOW, 0);
    table.set(0, F.SRTT, 200_000);
    table.set(0, F.CWND, (WINDOW / 2) * WINDOW_SCALE);
    for (let t = 0; t <= 400; t++) c.delivered(table.cellOf(0), 1000 + t, 200); // intervals of answers at 200 ms, the last closed at 1400
    const mean = table.get(0, F.MEAN_RTT);
    expect(mean).toBeGreaterThan(190_000);
    expect(table.get(0, F.DELIV_START)).toBe(1400);
    for (let t = 1; t <= 400; t++) c.unanswered(1400 + t, 400 + t); // an interval of timeouts only, closed
    expect(table.get(0, F.DELIV_START)).toBeGreaterThan(1400);
    expect(table.get(0, F.MEAN_RTT)).toBe(mean);
  });
});

describe("losses of tries that left before a window's last shrink", () => {
  // That shrink's evidence, judged by its probation: counted again, late in a scan where most answers are to
  // retries, losses 3.8 s old shrank the scan's window to 233 probes after its flood shrink had been undone
  // as random loss (a lab heavyloss run of 12.9 s, against ~7.5 s; such slow runs came about 1 in 20).
  it("shrink the host's window no further; losses of tries sent since do", () => {
    const s = setup();
    s.table.set(s.cell, F.DELIV_RATE, 4_000);
    for (let i = 0; i < 200; i++) s.c.lost(s.cell, 1, 1000 + i, 200, lastAt(400 + i));
    expect(s.table.get(s.cell, F.DROP_AT)).toBe(1199);
    s.table.set(s.cell, F.UNDO_CWND, 0); // its probation closed, the shrink standing at 800
    s.table.set(s.cell, F.DELIV_RATE, 2_000); // 400 a round trip: 100 losses in one are a quarter
    const stale = Array.from({ length: 200 }, (_, i) => s.c.lost(s.cell, 1, 2000 + i, 200, lastAt(1000 + i)));
    expect(stale.some(Boolean)).toBe(false);
    expect(s.table.get(s.cell, F.CWND)).toBe(800 * WINDOW_SCALE);
    const fresh = Array.from({ length: 200 }, (_, i) => s.c.lost(s.cell, 1, 3000 + i, 200, lastAt(1199 + i)));
    expect(fresh.some(Boolean)).toBe(true);
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(800 * WINDOW_SCALE);
  });

  it("nor the scan's, however many hosts they come from", () => {
    const { c, table } = setup();
    const [a, b] = [table.cellOf(0), table.cellOf(1)];
    for (const k of [a, b]) table.set(k, F.SRTT, 200_000);
    table.set(0, F.DELIV_RATE, 4_000);
    table.set(0, F.DROP_AT, 1500); // the scan's window shrank at 1500, its probation closed since
    const full = table.get(0, F.CWND);
    for (let i = 0; i < 400; i++) c.lost(i % 2 ? a : b, i % 2, 3000 + i, 200, lastAt(1000 + i));
    expect(table.get(0, F.CWND)).toBe(full);
    for (let i = 0; i < 400; i++) c.lost(i % 2 ? a : b, i % 2, 5000 + i, 200, lastAt(1500 + i));
    expect(table.get(0, F.CWND)).toBeLessThan(full);
  });
});

describe('a shrink on probation', () => {
  // The host at 200 ms delivers 4,000 answers a second (800 a round trip); a quarter of them lost in one
  // round trip (each first try sent 600 ms before its retry's answer: a 400 ms timeout, then 200 ms)
  // shrinks its window to 800 at 1199. The probes sent in the round trip after it, from PROBE_GUARD_MS on
  // ([1219, 1419)), are judged once their losses can have shown: 600 ms after it (2019).
  function shrunk(): ReturnType<typeof setup> {
    const s = setup();
    s.table.set(s.cell, F.DELIV_RATE, 4_000);
    for (let i = 0; i < 200; i++) s.c.lost(s.cell, 1, 1000 + i, 200, lastAt(400 + i));
    expect(s.table.get(s.cell, F.CWND)).toBe(800 * WINDOW_SCALE);
    return s;
  }

  /** A probe sent at `sent` was lost: its retry, sent at the timeout, was answered 600 ms after it. */
  function lose(s: ReturnType<typeof setup>, sent: number): void {
    s.c.lost(s.cell, 1, sent + 600, 200, lastAt(sent));
  }

  /** 100 probes sent from 1199 + PROBE_GUARD_MS on, 2 ms apart: every (100 / `lost`)th lost, the rest answered. */
  function sendAfter(s: ReturnType<typeof setup>, lost: number): void {
    for (let i = 0; i < 100; i++) {
      const sent = 1199 + G + 2 * i;
      if (i % (100 / lost) === 0) lose(s, sent);
      else s.c.delivered(s.cell, sent + 200, 200);
    }
  }

  it("leaves out answers whose loss could not have shown by its judgement: in the scan's, a host 390 ms away's answers diluted 15 % loss each way to 4 %, and the shrink stood", () => {
    const s = shrunk();
    sendAfter(s, 20); // a fifth lost
    // 400 answers, 390 ms after probes sent in its round trip: lost, such a probe shows ~830 ms after it left, past the
    // judgement (2019). Counted, they made the share lost 20 of 500.
    for (let i = 0; i < 400; i++) s.c.delivered(s.cell, 1219 + (i % 200) + 390, 390);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered), 1 undone (random loss or silence)');
  });

  it('random loss: the probes sent at the new rate lose as large a share, so the shrink is undone and a half of a round trip\'s delivery is what shrinks from then on', () => {
    const s = shrunk();
    sendAfter(s, 20); // a fifth lost, as before the shrink
    s.c.delivered(s.cell, 1998 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).not.toBe(0); // not judged before the losses can have shown
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(WINDOW * WINDOW_SCALE);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
    expect(s.table.get(s.cell, F.LOSS_LIMIT)).toBe(512);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered), 1 undone (random loss or silence)');
  });

  it('a limiter: the probes sent at the rate it passed are answered, and the shrink stands', () => {
    const s = shrunk();
    sendAfter(s, 1);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(801 * WINDOW_SCALE); // 800, grown by a few answers
    expect(s.table.get(s.cell, F.LOSS_LIMIT)).toBe(0);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered)');
  });

  it('too few probes came back to judge by: the shrink stands', () => {
    const s = shrunk();
    for (let i = 0; i < 15; i++) lose(s, 1199 + G + i);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(801 * WINDOW_SCALE);
  });

  it('a retry sent twice whose copies both timed out is two probes lost: counted as one, late in a lossy scan (most probes such retries) 15 % loss each way read as 5 %, and the shrink stood', () => {
    for (const pair of [true, false]) {
      const s = shrunk();
      // 100 probes, 2 ms apart: 95 answered, 5 lost (pairs, or single tries).
      for (let i = 0; i < 100; i++) {
        const sent = 1199 + G + 2 * i;
        if (i % 20 === 0) s.c.lost(s.cell, 1, sent + 600, 200, lastAt(sent, pair));
        else s.c.delivered(s.cell, sent + 200, 200);
      }
      s.c.delivered(s.cell, 2000 + G, 200);
      expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
      // 10 of 105 lost (9.5 %, over the sixteenth that undoes) as pairs; 5 of 100 as single tries, and the shrink stands.
      expect(s.table.get(s.cell, F.CWND) === WINDOW * WINDOW_SCALE).toBe(pair);
    }
  });

  /** `count` probes sent from 1199 + PROBE_GUARD_MS on, 10 ms apart: those at the indexes in `lostAt` lost, the rest answered. */
  function sendFew(s: ReturnType<typeof setup>, count: number, lostAt: readonly number[]): void {
    for (let i = 0; i < count; i++) {
      const sent = 1199 + G + 10 * i;
      if (lostAt.includes(i)) lose(s, sent);
      else s.c.delivered(s.cell, sent + 200, 200);
    }
  }

  it('fewer outcomes than a share is read from, two of them lost and the rest answered: random loss, undone (heavyloss: the scan\'s window held at 7 probes to the end)', () => {
    const s = shrunk();
    sendFew(s, 10, [3, 7]);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBe(WINDOW * WINDOW_SCALE);
    expect(s.table.get(s.cell, F.LOSS_LIMIT)).toBe(512);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered), 1 undone (random loss or silence)');
  });

  it.each([
    ['one of 10 lost', 10, [3]],
    ['6 of 11 lost, more than answered (a limiter that still drops)', 11, [1, 3, 5, 7, 9, 10]],
  ])('fewer outcomes than a share is read from, %s: the shrink stands', (_what, count, lostAt) => {
    const s = shrunk();
    sendFew(s, count, lostAt);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(801 * WINDOW_SCALE);
  });

  it('the tail of the flood it ends is not judged: probes that left within PROBE_GUARD_MS of it, lost, leave it standing (it was undone, a second flood)', () => {
    const s = shrunk();
    for (let i = 0; i < 20; i++) lose(s, 1199 + i * (G / 20)); // sent before every worker and host slowed down
    sendAfter(s, 1);
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(801 * WINDOW_SCALE);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered)');
  });

  it('losses of tries from before the round trip it judges do not put it off: paced retries of flood tries showed seconds late, and it stayed open to the end (no second shrink)', () => {
    const s = shrunk();
    sendAfter(s, 1);
    // Tries that left long before the shrink, their retries held back by the pacing: answered 1.4 s after them.
    for (let i = 0; i < 10; i++) s.c.lost(s.cell, 1, 1900 + i, 200, lastAt(500 + i));
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.CWND)).toBeLessThan(801 * WINDOW_SCALE);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered)');
  });

  it('counts as many probes of each kind: past 32,767 answers in its round trip neither count goes on (capped answers and counted losses read 5 % as 7 %, and undid it)', () => {
    const s = shrunk();
    // 50,000 probes in the round trip after it, one in 20 lost (5 %, under the 1/16 that undoes).
    for (let i = 0; i < 50_000; i++) {
      const sent = 1199 + G + i / 250;
      if (i % 20 === 0) lose(s, sent);
      else s.c.delivered(s.cell, sent + 200, 200);
    }
    s.c.delivered(s.cell, 2000 + G, 200);
    expect(s.table.get(s.cell, F.UNDO_CWND)).toBe(0);
    expect(s.table.get(s.cell, F.LOSS_LIMIT)).toBe(0);
    expect(windowsLine(s.stats)).toBe('window shrank 1 time (retry-answered)');
  });

  it('no second shrink while it is on probation', () => {
    const s = shrunk();
    for (let i = 0; i < 400; i++) expect(s.c.lost(s.cell, 1, 1400 + i, 200, lastAt(800 + i))).toBe(false);
    expect(s.table.get(s.cell, F.CWND)).toBeGreaterThanOrEqual(800 * WINDOW_SCALE);
  });
});
