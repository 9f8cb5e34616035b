/**
 * Congestion control over the shared host table: how many attempts a host
 * (and the scan) may have in flight, and how fast new ones may leave.
 *
 * Every window starts as wide as --concurrency: a long round trip needs
 * thousands of attempts in flight, and a window that had to grow from ten
 * (nmap's start) would take ten round trips to get there.
 *
 * Loss evidence is an answer that came only to a retry: the first try (or its
 * answer) was lost. Timeouts alone prove nothing: a firewall that drops most
 * ports is not congestion. A few such answers are chance (behind that firewall,
 * the few answering ports that lost a packet on a 2 % lossy path: shrinking to
 * their delivery rate paced the host's 900 retries out over 3 s); LOSS_MIN in
 * one round trip, and a quarter of what the host delivers in one, are
 * evidence (or the same over SLOW_LOSS_MS where a round trip is shorter: a
 * limiter that passes few gives few answers to retries). Random loss takes
 * the same share at any rate, so it is no reason to slow down; a limiter or
 * a full queue drops all of the excess. On that evidence the window drops to
 * what the host has been delivering: its
 * answers per second (the best recent round trip's, a max filter) × srtt:
 * the in-flight count that rate needs, BBR's idea. A SYN rate limiter or a
 * congested link then gets exactly the rate it passes, at once, where
 * halving would take a dozen round trips from 16,384. That count may be
 * below one (a limiter that passes 10/s to a host 20 ms away: a fifth), a
 * pacing interval longer than the round trip; below two a shrink at most
 * halves (congestion-tuning.ts MIN_WINDOW). Answers grow the window by one
 * per window (additive increase), by at most an eighth of it below two; not
 * the answers to retries of a host that woke (timing.ts retryAnswerIsLoss),
 * which say nothing of what the path carries: behind 50 SYNs/s shared by 4
 * hosts, the flood's retries grew the scan's window from one probe to 17 in
 * 3.6 s, and the next round of retries lost every try of 6-14 ports.
 *
 * Each shrink is on probation (TCP's undo of a spurious cut), and no other
 * comes while it is: the probes sent in the round trip after it (from
 * PROBE_GUARD_MS on: the tail of a flood is left out) are counted as their
 * fate shows, answered or lost (a try whose retry was answered).
 * Behind a limiter the share lost falls (the new rate is what it passes);
 * random loss takes the same share at the new rate. Then the shrink is
 * undone, and the cell's share that shrinks is raised to a half: heavier
 * random loss crossed a quarter in most round trips, each shrink to a
 * delivery rate the last one held down (lab mixloss with 15 % loss each way:
 * 27-28 shrinks, 8-88 s; 6.0-8.9 s with the undo).
 *
 * Pacing: a window below its maximum is also a rate, srtt / window between
 * probes to that host (shared by all workers, a GCRA clock per cell). Without
 * it, answers that come back in clumps launch probes in clumps, and a rate
 * limiter with a burst of five drops the rest of every clump.
 *
 * The scan's window shrinks the same way only when two different hosts showed
 * loss within a round trip: one rate-limited host must not slow the others.
 * Once shrunk it is paced as well (scanWait): a limiter several hosts share
 * sees the sum of their paced streams. The scan's round trip, for its window,
 * pacing and loss rounds, is the mean of its answers' over the last delivery
 * interval, not its srtt: hosts 2, 150 and 390 ms away answer in clumps, and
 * a shrink while the near one's answered sized the window for 2 ms, which
 * then held probes out for 390 (lab, those three, each 5,000 ports, and a
 * dead host, 5 % loss each way: 10-70 s against 2.8 s without loss). Probes to
 * a host never heard from are paced but not counted in the scan's window: each
 * holds its slot a whole timeout and is never an answer (see unanswered).
 */
import { CELL_FIELDS, F, type HostTable, RTT_UNIT_US, WINDOW_SCALE } from '../src/wire/hosts.js';
import { FLOODED, LIMITED, MIN_PACE_US, MIN_WINDOW, RATE_DECAY, RATE_INTERVAL_MS, RATE_SAMPLE, SLOW_LOSS_MS, TWO_WINDOWS, UNSETTLED } from './congestion-tuning.js';
import { LEFT_AT_MAXIMUM, type Tries } from './attempt.js';
import { deepEvidence, limiterShrink } from './limiter.js';
import { msOf, tallyLoss } from './loss-tally.js';
import { countOutcome, judge, openProbation, sentOnProbation } from './probation.js';

type LossHistory = Pick<Tries, 'tries' | 'lastAt' | 'prevAt' | 'lastPair'>; // what lost() reads of an answered position's tries
const NO_HISTORY: LossHistory = { tries: 1, lastAt: 0, prevAt: 0, lastPair: false };

const HOST_COUNTED = 1;
const SCAN_COUNTED = 2;

export class Congestion {
  private readonly maxWindow: number;
  /** Events skipped since the last one counted, per kind (answers, silent timeouts: one counter for both could alias with an alternating pattern). */
  private readonly skipped = [0, 0];

  constructor(
    private readonly table: HostTable,
    window: number,
    /** Add to this thread's performance.now() for the coordinator's clock. */
    private readonly toCoordMs: number,
    /** Told of each window's shrink and each shrink undone: the summary counts them. */
    private readonly stats: { windowShrank(limiter?: boolean): void; windowUndone(): void } | null = null,
  ) {
    this.maxWindow = window * WINDOW_SCALE;
  }

  /**
   * 0 when the scan's window lets one more attempt leave now (taking its
   * pacing slot), else ms to wait: the window is full (answers free it; 1 ms
   * when this worker has nothing in flight to wait for, else 5), or its pacing
   * clock says later. Pacing the scan as well as each host: behind one
   * limiter shared by several hosts, their separately paced streams added up
   * to bursts the limiter dropped (4 hosts behind 3,000 SYNs/s: ~1,250 probes/s).
   */
  scanWait(now: number, inflight: number): number {
    return this.windowWait(0, now, inflight === 0 ? 1 : 5);
  }

  /** Whether the scan's window is below its maximum (only then can it be full or paced). */
  scanLimited(): boolean {
    return this.table.get(0, F.CWND) < this.maxWindow;
  }

  /**
   * 0 when a probe to the host may leave now, else ms to wait: its window is
   * full (1 ms: answers free it), or its pacing clock says later. A host at
   * its full window is neither limited nor paced: one read.
   */
  hostWait(cell: number, now: number): number {
    return this.windowWait(cell, now, 1);
  }

  /** A cell's window: 0 at its maximum or with room and a pacing slot taken, `whenFull` ms when full, else the pacing wait. */
  private windowWait(cell: number, now: number, whenFull: number): number {
    const t = this.table;
    const cwnd = t.get(cell, F.CWND);
    if (cwnd >= this.maxWindow) return 0;
    if (t.get(cell, F.INFLIGHT) * WINDOW_SCALE >= cwnd) return whenFull;
    return this.paceWait(cell, now, cwnd);
  }

  /**
   * Take the host's next pacing slot: 0 when the probe may leave now, else the
   * ms to wait. A host at its full window is not paced.
   */
  private paceWait(cell: number, now: number, cwnd: number): number {
    const t = this.table;
    const interval = Math.floor((this.rttUs(cell) * WINDOW_SCALE) / Math.max(cwnd, 1));
    if (interval < MIN_PACE_US) return 0;
    const i = cell / CELL_FIELDS;
    const nowUs = BigInt(Math.floor((now + this.toCoordMs) * 1000));
    const step = BigInt(interval);
    for (;;) {
      const tat = Atomics.load(t.pace, i);
      const base = tat > nowUs ? tat : nowUs;
      // A burst of at most one extra probe.
      if (base - nowUs > step) return Number(base - nowUs - step) / 1000;
      if (Atomics.compareExchange(t.pace, i, tat, base + step) === tat) return 0;
    }
  }

  /**
   * An attempt starts, counted only in windows below their maximum (two atomic
   * adds per probe on cells every worker writes cost a tenth of loopback's
   * throughput), and in the scan's only for a host heard from. Returns which
   * counts were taken (for landed()): a window that shrinks later undercounts
   * what was in flight then, which drains within a timeout. LEFT_AT_MAXIMUM
   * when it took none, both windows being at their maximum (Tries.flood).
   */
  launched(cell: number, hostIndex: number, now: number): number {
    const t = this.table;
    const hostBelow = t.get(cell, F.CWND) < this.maxWindow;
    const scanBelow = t.get(0, F.CWND) < this.maxWindow;
    let counted = hostBelow || scanBelow ? 0 : LEFT_AT_MAXIMUM;
    if (hostBelow) {
      t.add(cell, F.INFLIGHT, 1);
      counted |= HOST_COUNTED;
      this.sent(cell, now);
    }
    if (scanBelow && t.heardFrom(hostIndex)) {
      t.add(0, F.INFLIGHT, 1);
      counted |= SCAN_COUNTED;
      this.sent(0, now);
    }
    return counted;
  }

  /**
   * What a try that left at `start` (this thread's clock) and timed out may have met (timing.ts retryVerdict).
   * LIMITED, a limiter's drop: it left before the last shrink of the host's window or the scan's (in the flood the
   * shrink was for), or either window is below two probes (a second shrink; below its maximum too: --concurrency 1
   * starts at one). FLOODED, for a host never heard from: it left before the scan's window shrank, no shrink of the
   * scan's undone as random loss (LOSS_LIMIT). A limiter several hosts share can drop every first try of one of them
   * in the opening flood (50 SYNs/s over 4 hosts × 100 ports: a whole host filtered in 2 runs of 4). UNSETTLED: it left
   * less than SLOW_LOSS_MS ago, in the opening (2·SLOW_LOSS_MS from the scan's first loss), and neither window that
   * judges it (the host's, the scan's) has shrunk yet: its verdict waits for that shrink (then LIMITED) or for that
   * time to pass. The same limiter: a host heard from had all its ports' three tries lost in the flood, 0.3 s, before
   * any shrink (filtered whole, ~1 run of 6; 1 of 20 with the wait from the first loss alone, 0 of 30 from each try's
   * start; a wait not bounded to the opening made a scan of firewalled hosts over a lossy path 0.5 s slower).
   */
  limits(cell: number, start: number, now?: number): number {
    const t = this.table;
    const below = Math.min(TWO_WINDOWS, this.maxWindow);
    const scanShrank = this.leftBeforeShrink(0, start);
    const limited = scanShrank || this.leftBeforeShrink(cell, start) || t.get(cell, F.CWND) < below || t.get(0, F.CWND) < below;
    const first = t.get(0, F.FIRST_LOSS_AT);
    let unsettled = first !== 0 && t.get(0, F.DROP_AT) === 0 && t.get(cell, F.DROP_AT) === 0;
    if (unsettled) {
      // The clock only while the scan showed loss that no window answered yet.
      const at = now ?? performance.now();
      unsettled = at - start < SLOW_LOSS_MS && at + this.toCoordMs < first + 2 * SLOW_LOSS_MS;
    }
    return (limited ? LIMITED : 0) | (scanShrank && t.get(0, F.LOSS_LIMIT) === 0 ? FLOODED : 0) | (unsettled ? UNSETTLED : 0);
  }

  /** Whether a try that left at `start` (this thread's clock) left before the cell's window last shrank (never: 0). */
  private leftBeforeShrink(cell: number, start: number): boolean {
    return start + this.toCoordMs < this.table.get(cell, F.DROP_AT);
  }

  /** An attempt ended (answered, timed out, or abandoned). */
  landed(cell: number, counted: number): void {
    if (counted & HOST_COUNTED) this.table.add(cell, F.INFLIGHT, -1);
    if (counted & SCAN_COUNTED) this.table.add(0, F.INFLIGHT, -1);
  }

  /** An answer to a first try (`first`; else a retry's to a host that woke, timing.ts), `rttMs` after it left: count it and grow the windows. */
  delivered(cell: number, now: number, rttMs: number, first = true): void {
    const t = this.table;
    // While both windows are at their maximum the rate matters only for a
    // shrink to come: count one answer in RATE_SAMPLE, weighted.
    const full = t.get(cell, F.CWND) >= this.maxWindow && t.get(0, F.CWND) >= this.maxWindow;
    const weight = this.weight(full, 0);
    if (weight === 0) return;
    const nowMs = Math.floor(now + this.toCoordMs);
    this.count(cell, nowMs, weight);
    this.count(0, nowMs, weight, rttMs);
    if (full) return;
    this.probe(cell, nowMs, nowMs - rttMs, -1);
    this.probe(0, nowMs, nowMs - rttMs, -1);
    if (!first) return;
    this.grow(cell);
    this.grow(0);
  }

  /**
   * A first try to a host never heard from timed out (it left at `start`). It took its pacing slot on the scan's
   * clock like every probe and delivered nothing: counted in the scan's delivery rate as a delivery of no round trip,
   * so the rate covers every paced probe, and the mean round trip, diluted by these, still gives rate × mean = the
   * answering hosts' probes in flight (the only ones the scan's window counts). Left out, a scan of live hosts and a
   * dead one measured a rate short by the dead one's share, and each shrink paced it lower (lab mixloss). Not one that
   * left unpaced before the scan's window last shrank: a silent host's first tries from the flood, due at once, read
   * as hundreds a second, and the max filter held that over a limiter of 50/s (paced at 150-250/s for seconds).
   */
  unanswered(now: number, start: number): void {
    if (this.leftBeforeShrink(0, start)) return;
    const weight = this.weight(this.table.get(0, F.CWND) >= this.maxWindow, 1);
    if (weight > 0) this.count(0, Math.floor(now + this.toCoordMs), weight, 0);
  }

  /** What an event of `kind` counts for: 1 while a window it feeds is below its maximum; at the maximum one in RATE_SAMPLE counts RATE_SAMPLE, the rest 0. */
  private weight(full: boolean, kind: number): number {
    if (!full) return 1;
    if (++this.skipped[kind]! < RATE_SAMPLE) return 0;
    this.skipped[kind] = 0;
    return RATE_SAMPLE;
  }

  /**
   * An answer that came only to a retry (`rttMs` after it left; `h`: its
   * tries, the last timed-out one left at `h.lastAt`, this thread's clock, 0
   * if not known): loss. Shrinks the host's window to its delivery rate (once
   * per round trip), or to its last interval's where the losses say limiter
   * (limiter.ts), and the scan's when another host lost one too within a
   * round trip. True when a window shrank.
   */
  lost(cell: number, hostIndex: number, now: number, rttMs: number, h: Readonly<LossHistory> = NO_HISTORY): boolean {
    const t = this.table;
    const lastAt = h.lastAt;
    const nowMs = Math.floor(now + this.toCoordMs);
    const sentMs = nowMs - rttMs;
    const lostMs = lastAt > 0 ? lastAt + this.toCoordMs : sentMs;
    // A retry sent twice whose copies both timed out lost two probes: counted as one, the probation of a shrink late in
    // a lossy scan, where most probes sent are such retries, read 15 % loss each way (28 % of probes) as 5 % (a pair is
    // lost with p², 8 %), and the shrink stood (lab heavyloss: the scan's window held at 450 probes, 11.4 s against ~6.4).
    const lost = h.lastPair ? 2 : 1;
    this.probe(cell, nowMs, sentMs, lostMs, lost);
    this.probe(0, nowMs, sentMs, lostMs, lost);
    this.count(cell, nowMs);
    this.count(0, nowMs, 1, rttMs);
    // A try lost before a window's last shrink was evidence for that shrink, which its probation judged: it sizes no
    // other (TCP NewReno's recovery point). Counted again, late in a scan (where answers to retries are most answers),
    // it shrank the scan's window to 233 probes with evidence 3.8 s old, the flood's, whose shrink had been undone as
    // random loss: a lab heavyloss run of 12.9 s, against ~7.5 s (traced; such slow runs came about 1 in 20).
    const hostFresh = lostMs >= t.get(cell, F.DROP_AT);
    const scanFresh = lostMs >= t.get(0, F.DROP_AT);
    const hostLossy = hostFresh && tallyLoss(t, cell, nowMs, this.rttUs(cell));
    const scanLossy = scanFresh && tallyLoss(t, 0, nowMs, this.rttUs(0));
    const delay = Math.max(1, Math.ceil(nowMs - lostMs));
    let shrank = deepEvidence(t, cell, h.tries, lostMs, h.prevAt > 0 ? h.prevAt + this.toCoordMs : 0) && limiterShrink(t, cell, nowMs);
    if (shrank) this.stats?.windowShrank(true);
    else shrank = hostLossy && this.shrink(cell, nowMs, delay);
    // A read first: once set, no loss writes the shared cell again.
    if (t.get(0, F.FIRST_LOSS_AT) === 0) t.claim(0, F.FIRST_LOSS_AT, nowMs);
    const other = t.get(0, F.DROP_HOST);
    const recent = nowMs - t.get(0, F.LOSS_AT) < this.rttMs(0);
    if (scanLossy && other !== 0 && other !== hostIndex + 1 && recent) shrank = this.shrink(0, nowMs, delay) || shrank;
    if (!scanFresh) return shrank;
    t.set(0, F.DROP_HOST, hostIndex + 1);
    t.set(0, F.LOSS_AT, nowMs);
    return shrank;
  }

  /** A probe's fate, counted while the cell's shrink is on probation, and the probation judged when due (probation.ts). */
  private probe(cell: number, nowMs: number, sentMs: number, lostMs: number, lost = 1): void {
    countOutcome(this.table, cell, nowMs, sentMs, lostMs, this.rttMs(cell), lost);
    if (judge(this.table, cell, nowMs, this.rttMs(cell))) this.stats?.windowUndone();
  }

  /** A probe counted in the cell's window left at `now`: counted for its probation's silence, if one is open (probation.ts). */
  private sent(cell: number, now: number): void {
    if (this.table.get(cell, F.UNDO_CWND) !== 0) sentOnProbation(this.table, cell, Math.floor(now + this.toCoordMs), this.rttMs(cell));
  }

  /** A try timed out: the cell's probation (a host's, or with 0 the scan's) may be due, and nothing else may come to judge it (probation.ts). */
  silent(cell: number, now: number): void {
    if (this.table.get(cell, F.UNDO_CWND) !== 0 && judge(this.table, cell, Math.floor(now + this.toCoordMs), this.rttMs(cell))) this.stats?.windowUndone();
  }

  private rttMs(cell: number): number {
    return msOf(this.rttUs(cell));
  }

  /** A host's srtt; the scan's mean round trip over the last delivery interval (its srtt until one closed). */
  private rttUs(cell: number): number {
    const t = this.table;
    return (cell === 0 && t.get(0, F.MEAN_RTT)) || t.get(cell, F.SRTT);
  }

  /** Count an answer towards the cell's delivery rate (the scan's: and its round trip `rttMs`), closing an interval of one round trip. */
  private count(cell: number, nowMs: number, weight = 1, rttMs = 0): void {
    const t = this.table;
    // Capped at 10 s a sample: 2^31 units then hold 53,687 of them (an interval holds one round trip's answers).
    if (cell === 0) t.add(0, F.RTT_SUM, weight * Math.min(40_000, Math.ceil((rttMs * 1000) / RTT_UNIT_US)));
    const n = t.add(cell, F.DELIV_COUNT, weight);
    const start = t.get(cell, F.DELIV_START);
    const span = nowMs - start;
    if (start === 0) {
      t.claim(cell, F.DELIV_START, nowMs);
      return;
    }
    if (span < Math.max(this.rttMs(cell), RATE_INTERVAL_MS)) return;
    // One worker closes the interval (the others see the new start and go on).
    if (!t.replace(cell, F.DELIV_START, start, nowMs)) return;
    // A max filter (BBR's): a window held small by the last shrink delivers less
    // than the path can carry, and measuring that would shrink it again and again.
    const rate = Math.round((n * 1000) / span);
    t.set(cell, F.DELIV_RATE, Math.max(rate, Math.floor(t.get(cell, F.DELIV_RATE) * RATE_DECAY)));
    t.add(cell, F.DELIV_COUNT, -n);
    if (cell !== 0) return t.set(cell, F.RAW_RATE, rate);
    const sum = t.get(0, F.RTT_SUM);
    t.add(0, F.RTT_SUM, -sum);
    // An interval of timeouts of silent hosts alone (unanswered) says nothing of the round trip: the last mean stands
    // (set to 1 µs, it sized the window for no round trip at all).
    if (n > 0 && sum > 0) t.set(0, F.MEAN_RTT, Math.max(1, Math.round((sum * RTT_UNIT_US) / n)));
  }

  private grow(cell: number): void {
    const t = this.table;
    const cwnd = t.get(cell, F.CWND);
    if (cwnd >= this.maxWindow) return;
    // One probe per answer below the threshold, one per window above it; never more than an eighth of a
    // window below two probes (a window of a tenth of a probe grew by ten per answer: one answer, a flood).
    const perAnswer = cwnd < t.get(cell, F.SSTHRESH) ? WINDOW_SCALE : Math.floor((WINDOW_SCALE * WINDOW_SCALE) / Math.max(cwnd, 1));
    const step = Math.max(1, Math.min(perAnswer, cwnd >> 3));
    t.set(cell, F.CWND, Math.min(this.maxWindow, cwnd + step));
  }

  /**
   * The window to what the cell delivered over a round trip, once per round
   * trip and not while the last shrink is on probation; `delayMs`: how long
   * the loss that asked for it took to show (the lost try sent to its retry answered).
   */
  private shrink(cell: number, nowMs: number, delayMs: number): boolean {
    const t = this.table;
    if (t.get(cell, F.UNDO_CWND) !== 0) return false;
    const rtt = this.rttMs(cell);
    const last = t.get(cell, F.DROP_AT);
    if (last !== 0 && nowMs - last < rtt) return false;
    t.set(cell, F.DROP_AT, nowMs);
    const cwnd = t.get(cell, F.CWND);
    const rate = t.get(cell, F.DELIV_RATE);
    // The in-flight count the delivered rate needs; without a rate yet, half the window.
    const target = rate > 0 ? Math.ceil((rate * this.rttUs(cell) * WINDOW_SCALE) / 1e6) : cwnd >> 1;
    if (target >= cwnd) return false;
    // Below two probes a shrink at most halves (congestion-tuning.ts MIN_WINDOW).
    const next = Math.max(MIN_WINDOW, target, Math.min(cwnd >> 1, TWO_WINDOWS));
    if (next >= cwnd) return false;
    t.set(cell, F.SSTHRESH, next);
    t.set(cell, F.CWND, next);
    openProbation(t, cell);
    t.set(cell, F.PROBE_DELAY, delayMs);
    // Last: opens the probation.
    t.set(cell, F.UNDO_CWND, cwnd);
    // Counted per window, as undos are: one answer may shrink a host's window and the scan's.
    this.stats?.windowShrank();
    return true;
  }
}
