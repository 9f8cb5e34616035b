/**
 * What every worker knows about every host, in shared memory: its round-trip
 * estimate, how many of its probes are in flight, its congestion window, and
 * the evidence that decides retries. A host's probes are spread over all
 * workers by the random order, so they must share this; cell 0 holds the same
 * for the scan as a whole (its estimate, which a host without samples uses
 * when it is longer than the initial timeout, and the scan-wide window).
 *
 * Int32 cells only (Atomics work on them; a Float64 may tear between threads).
 * Times are in microseconds or in milliseconds since the coordinator's
 * performance.timeOrigin. Estimates are updated without locks: two workers
 * updating one host in the same instant may lose one sample, which an
 * estimator shrugs off; counters that must be exact use Atomics.add.
 *
 * Up to MAX_EXACT_HOSTS hosts each have a cell; above that, neighbours share
 * one: consecutive hosts of the target set (in a /8, each /22 has a cell).
 * Hosts of one subnet mostly share a path, so their round trips are alike;
 * cells shared by hash made a far host share with a random near one, be timed
 * by the near one's estimate, and never get its own answer in. Sharing only
 * makes the window stricter.
 */

import { MAX_LISTED_HOSTS } from '../config/limits.js';

/** Field offsets within a cell. */
export const F = {
  /** Smoothed RTT, µs (0 = no sample yet). */
  SRTT: 0,
  /** RTT variation, µs. */
  RTTVAR: 1,
  /** Samples taken (counting stops at SAMPLES_ENOUGH). */
  SAMPLES: 2,
  /** When the host first answered anything (SYN-ACK, RST, ICMP error), ms since the origin; 0 = not yet. */
  ANSWERED: 3,
  /** Attempts in flight. */
  INFLIGHT: 4,
  /** Congestion window × WINDOW_SCALE. */
  CWND: 5,
  /** Slow-start threshold × WINDOW_SCALE. */
  SSTHRESH: 6,
  /** Highest try number (0 = first attempt) that got an answer. */
  MAX_OK_TRY: 7,
  /** When the window last shrank, ms since the origin (one shrink per round trip). */
  DROP_AT: 8,
  /** Answers counted since DELIV_START (the delivery rate's current interval). */
  DELIV_COUNT: 9,
  /** Start of the delivery rate's current interval, ms since the origin. */
  DELIV_START: 10,
  /** Answers per second: the best recent interval (a max filter that decays, see congestion.ts). */
  DELIV_RATE: 11,
  /** Scan cell: bumped when the scan gets its first RTT sample (attempts timed by the initial timeout are retimed). */
  GEN: 12,
  /** Scan cell: 1 + the index of the host that showed loss last. */
  DROP_HOST: 13,
  /** Scan cell: when some host last showed loss, ms since the origin. */
  LOSS_AT: 14,
  /** The timeout estimate (µs) when this cell last bumped GEN: a drop of a quarter below it bumps again. */
  GEN_EST: 15,
  /** Answers that came only to a retry since LOSS_SINCE (loss evidence, see congestion.ts). */
  LOSS_N: 16,
  /** Retries after a timeout (any try) granted and not yet answered, timed out or dropped. */
  RETRIES_OUT: 17,
  /** When the round trip that LOSS_N counts began, ms since the origin. */
  LOSS_SINCE: 18,
  /** Answers to a retry after a timeout (any try past the first). */
  RETRY_OK: 19,
  /** Retries after a timeout resolved (answered, timed out or dropped): RETRY_DONE − RETRY_OK were lost. */
  RETRY_DONE: 20,
  /** The longest RTT answered in the current max interval, µs (see timing.ts: the timeout is never below it). */
  MAX_RTT: 21,
  /** The longest in the interval before it, µs. */
  MAX_RTT_PREV: 22,
  /** When the current max interval began, ms since the origin (0 = none yet). */
  MAX_RTT_AT: 23,
  /** Host cells: bits of HOST_FLAG (the slot of FIRST_LOSS_AT, which only the scan cell uses). */
  FLAGS: 24,
  /**
   * The window before its last shrink (× WINDOW_SCALE) while that shrink is
   * on probation, else 0: if the probes sent after it lost 1/16 or more, the
   * loss was random and the shrink is undone (congestion.ts).
   */
  UNDO_CWND: 25,
  /** Fates of the probes sent in the round trip after the shrink: answered in the low 16 bits, lost above. */
  PROBE_N: 26,
  /** The longest a loss the probation judges took to show (the lost try sent to its retry answered; at first, the shrink's own), ms. */
  PROBE_DELAY: 27,
  /** The share of a round trip's delivery, lost, that shrinks the window, in 1/1024 (0 = the default; raised by an undo). */
  LOSS_LIMIT: 28,
  /** Answers that came only to a retry since SLOW_SINCE: LOSS_N over at least SLOW_LOSS_MS (a limiter that passes few). */
  SLOW_N: 29,
  /** When the span that SLOW_N counts began, ms since the origin. */
  SLOW_SINCE: 30,
  /** When the host last answered anything, ms since the origin (an outage: workers/outage.ts). */
  LAST_ANSWER: 31,
  /** First tries sent after LAST_ANSWER that timed out since it (reset by any answer). */
  SILENT_RUN: 32,
  /** First tries answered. */
  FIRST_OK: 33,
  /** First tries that timed out once the host had answered something. */
  FIRST_LOST: 34,
  /** The last outage that ended: its host's last answer before it, and its first answer after it, ms since the origin. */
  OUTAGE_FROM: 35,
  OUTAGE_TO: 36,
  /** The port the host last answered on with a SYN-ACK, − (port + 1), or else with a reset, port + 1 (0 = none): where outage.ts's pings go. */
  LIVE_PORT: 37,
  /**
   * Scan cell: the round trips of the answers counted since DELIV_START,
   * summed in RTT_UNIT_US units (the slot of RETRY_OK, which only host cells use).
   */
  RTT_SUM: 19,
  /**
   * Scan cell: the mean round trip of the answers in the last delivery
   * interval, µs (the slot of RETRY_DONE). The scan's answers come from hosts
   * 1 and 400 ms away alike, so its srtt, an average of the last few, says
   * nothing of how long its probes stay out (see congestion.ts).
   */
  MEAN_RTT: 20,
  /** Scan cell: when some host first showed loss, ms since the origin (0 = none yet; the slot of FLAGS, which only host cells use). */
  FIRST_LOSS_AT: 24,
  /**
   * Host cells: answers per second in the last closed delivery interval alone
   * (DELIV_RATE is the max filter over recent ones; the slot of DROP_HOST,
   * which only the scan cell uses).
   */
  RAW_RATE: 13,
  /**
   * Host cells: answers to retries counted since a shrink of the window last
   * stood, or since the start (workers/limiter.ts), in the low 16 bits, those
   * of them that came only after two tries lost in a row above, and in the top
   * bit whether one has stood (the slot of LOSS_AT, which only the scan cell
   * uses).
   */
  DEEP_N: 14,
  /** Scan cell: probes sent in the round trip its probation counts in the low 16 bits, those of them that came back (answered or lost) above (workers/probation.ts; the slot of RETRIES_OUT, which only host cells use). */
  PROBE_SENT: 17,
  /** Host cells: the same as PROBE_SENT, for the host's probation (the slot of GEN, which only the scan cell uses). */
  HOST_PROBE_SENT: 12,
} as const;

/** Bits of a host cell's F.FLAGS. */
export const HOST_FLAG = {
  /**
   * A try sent while its host was silent reached its deadline before the
   * host's first answer: the host was silent for a whole timeout (asleep, or
   * behind a rule that drops all). Set only by Timing.timedOut.
   */
  SLEPT: 1,
  /** The host completed a handshake: its timeout follows its estimate from then on (Timing.answered, timeoutMs). */
  HANDSHAKE: 2,
} as const;

/** The unit of F.RTT_SUM, µs: 2^31 of them hold 53,687 answers at the 10 s clamp on each sample (workers/congestion.ts). */
export const RTT_UNIT_US = 250;

export const CELL_FIELDS = 38;
/** Windows are kept in fixed point so that +1/cwnd per answer accumulates. */
export const WINDOW_SCALE = 256;
/**
 * Hosts with a cell of their own; above that, consecutive hosts share one (see
 * cellOf): a /16's hosts in fours, a /8's in /22s. Every cell of a walk over
 * more hosts is written, so the table costs its whole size then: 2.75 MB here
 * (2.7 MB before the live port for pings took one field, 2.3 MB before the
 * outage counts took six, 2.2 MB before the slow loss span took two, 1.9 MB
 * before a shrink's probation took four). At 2^16
 * cells it was 7.3 MB, which put a /14 with a text report at 102 MB peak
 * RSS (96 MB at 2^14, medians of 5). A host probed on a port or two (a sweep)
 * gains nothing from a cell of its own; nmap keeps per-host timing only for
 * its host group, 2,048 hosts or fewer at a time.
 */
export const MAX_EXACT_HOSTS = 1 << 14;

/**
 * Hosts with a bit of their own that says they answered something (128 KiB at
 * most; above that, consecutive hosts share one, a /8's hosts in sixteens) and,
 * with --host-timeout, a clock of their own (4 MiB at most; prepare.ts refuses
 * --host-timeout for more hosts). Unlike the timing cells, these decide what
 * the records say. A host that never answered gets no retry: with the cell's
 * flag, a dead host of a /16 whose neighbour answered got one for every port.
 * A clock decides which ports are given up: shared like the cells, a /16 gave
 * up on hosts that had answered on every port because a neighbour ran out of
 * time, and counted 108 hosts given up where the reports marked 124; past 2^20
 * hosts, shared in random order, a /11 gave up 46 % of its hosts unprobed. The
 * coordinator's per-host counts stop at the same number (MAX_LISTED_HOSTS), so
 * every host a report marks is exact.
 */
export const MAX_CLOCKED_HOSTS = MAX_LISTED_HOSTS;

/** How far before the scan's start the table's clock begins, ms. */
const ORIGIN_LEAD_MS = 60_000;

/**
 * Where the table's millisecond times count from (the workers' `originMs`): a
 * minute before the scan starts. They are Int32s: counted from the process's
 * start, as they were, a library process alive 24.8 days wrapped them, and
 * --host-timeout gave every host up at its first probe. From here they last
 * 24.8 days of one scan, and a field still 0 ("never") reads a minute older
 * than any real time.
 */
export function tableOrigin(): number {
  return performance.timeOrigin + performance.now() - ORIGIN_LEAD_MS;
}

/**
 * The shared table as the coordinator creates it: one cell for the scan, then
 * the hosts'. After the Int32 cells come one BigInt64 per cell: the pacing
 * clock (µs since the origin; an Int32 would overflow in 35 minutes). Then a
 * bit per host: it answered. With `clocks` (--host-timeout), one Int32 per
 * host after those: when its first probe started (see HostTable.clockOf).
 */
export function createHostTable(hosts: number, window: number, clocks = false): SharedArrayBuffer {
  const cells = cellCount(hosts);
  const sab = new SharedArrayBuffer(clockOffset(cells, hosts) + (clocks ? clockCount(hosts) * Int32Array.BYTES_PER_ELEMENT : 0));
  const t = new Int32Array(sab, 0, cells * CELL_FIELDS);
  const w = Math.min(window, 0x7fffffff / WINDOW_SCALE) * WINDOW_SCALE;
  for (let c = 0; c < cells; c++) {
    t[c * CELL_FIELDS + F.CWND] = w;
    t[c * CELL_FIELDS + F.SSTHRESH] = w;
  }
  return sab;
}

function cellCount(hosts: number): number {
  return 1 + Math.min(hosts, MAX_EXACT_HOSTS);
}

function clockCount(hosts: number): number {
  return Math.min(hosts, MAX_CLOCKED_HOSTS);
}

/** Int32 words of the answered bits. */
function heardWords(hosts: number): number {
  return Math.ceil(clockCount(hosts) / 32);
}

/** Where the pacing clocks start: after the Int32 cells, on an 8-byte boundary. */
function paceOffset(cells: number): number {
  return Math.ceil((cells * CELL_FIELDS * Int32Array.BYTES_PER_ELEMENT) / 8) * 8;
}

/** Where the answered bits start: after the pacing clocks. */
function heardOffset(cells: number): number {
  return paceOffset(cells) + cells * BigInt64Array.BYTES_PER_ELEMENT;
}

/** Where the host clocks start: after the answered bits. */
function clockOffset(cells: number, hosts: number): number {
  return heardOffset(cells) + heardWords(hosts) * Int32Array.BYTES_PER_ELEMENT;
}

/** Which of `slots` shares a host: itself when every host has one, else consecutive hosts share. */
function share(hostIndex: number, slots: number, hosts: number): number {
  // The min only guards rounding, were a set ever past 2^33 hosts (hostIndex × 2^20 ≥ 2^53).
  return hosts <= slots ? hostIndex : Math.min(slots - 1, Math.floor((hostIndex * slots) / hosts));
}

/** A typed view of the table: cell lookup and field access. */
export class HostTable {
  readonly cells: Int32Array;
  /** Per cell: the pacing clock, µs since the origin (indexed by cell / CELL_FIELDS). */
  readonly pace: BigInt64Array;
  /**
   * Per host (above MAX_CLOCKED_HOSTS, per run of neighbours), with
   * --host-timeout: 0 before its first probe, then when that started (ms
   * since the origin + 1), negated once the host is given up.
   */
  private readonly clocks: Int32Array | null;
  /** Per host (above MAX_CLOCKED_HOSTS, per run of neighbours): a bit set once it answered anything. */
  private readonly heard: Int32Array;
  private readonly hostCells: number;
  private readonly hosts: number;

  /** `hosts`: the scan's host count (the table was made for it). */
  constructor(buffer: SharedArrayBuffer, hosts: number) {
    const n = cellCount(hosts);
    this.cells = new Int32Array(buffer, 0, n * CELL_FIELDS);
    this.pace = new BigInt64Array(buffer, paceOffset(n), n);
    this.heard = new Int32Array(buffer, heardOffset(n), heardWords(hosts));
    const at = clockOffset(n, hosts);
    this.clocks = buffer.byteLength > at ? new Int32Array(buffer, at, clockCount(hosts)) : null;
    this.hostCells = n - 1;
    this.hosts = hosts;
  }

  /** Every host has a cell of its own. */
  get exact(): boolean {
    return this.hostCells === this.hosts;
  }

  /** The base offset of a host's cell. */
  cellOf(hostIndex: number): number {
    return (1 + share(hostIndex, this.hostCells, this.hosts)) * CELL_FIELDS;
  }

  /** The host answered something (SYN-ACK, RST, ICMP error). */
  setHeard(hostIndex: number): void {
    const b = share(hostIndex, clockCount(this.hosts), this.hosts);
    const bit = 1 << (b & 31);
    if ((Atomics.load(this.heard, b >> 5) & bit) === 0) Atomics.or(this.heard, b >> 5, bit);
  }

  /** Whether the host (its run of neighbours, above MAX_CLOCKED_HOSTS) answered anything. */
  heardFrom(hostIndex: number): boolean {
    const b = share(hostIndex, clockCount(this.hosts), this.hosts);
    return (Atomics.load(this.heard, b >> 5) & (1 << (b & 31))) !== 0;
  }

  /** Whether the table has --host-timeout clocks. */
  get clocked(): boolean {
    return this.clocks !== null;
  }

  /** A host's --host-timeout clock (pass it to the clock methods); -1 without clocks. */
  clockOf(hostIndex: number): number {
    return this.clocks === null ? -1 : share(hostIndex, this.clocks.length, this.hosts);
  }

  /** How many hosts share a clock: 1 up to MAX_CLOCKED_HOSTS hosts. */
  clockHosts(clock: number): number {
    const n = this.clocks?.length ?? 0;
    if (this.hosts <= n) return 1;
    // The hosts i with floor(i × n / hosts) = clock.
    return Math.ceil(((clock + 1) * this.hosts) / n) - Math.ceil((clock * this.hosts) / n);
  }

  /** Start a host's clock at `ms` (ms since the origin + 1) unless it runs; when its first probe started (0 = never). */
  startClock(clock: number, ms: number): number {
    const was = Atomics.compareExchange(this.clocks!, clock, 0, ms);
    return Math.abs(was === 0 ? ms : was);
  }

  /** When a host's first probe started, ms since the origin + 1 (0 = not yet). */
  clockStart(clock: number): number {
    return Math.abs(Atomics.load(this.clocks!, clock));
  }

  isGivenUp(clock: number): boolean {
    return clock >= 0 && Atomics.load(this.clocks!, clock) < 0;
  }

  /** Mark a host given up; true for the caller that did it. */
  giveUp(clock: number): boolean {
    const c = this.clocks!;
    for (let cur = Atomics.load(c, clock); cur >= 0; cur = Atomics.load(c, clock)) {
      // A clock never started (a host cut before its first probe) keeps a start of 1.
      if (Atomics.compareExchange(c, clock, cur, cur === 0 ? -1 : -cur) === cur) return true;
    }
    return false;
  }

  /** The base offset of the scan-wide cell. */
  get scan(): number {
    return 0;
  }

  get(cell: number, field: number): number {
    return Atomics.load(this.cells, cell + field);
  }

  set(cell: number, field: number, value: number): void {
    Atomics.store(this.cells, cell + field, value);
  }

  add(cell: number, field: number, delta: number): number {
    return Atomics.add(this.cells, cell + field, delta) + delta;
  }

  /** Set `bits` in a field. */
  or(cell: number, field: number, bits: number): void {
    if ((Atomics.load(this.cells, cell + field) & bits) !== bits) Atomics.or(this.cells, cell + field, bits);
  }

  /** Whether all of `bits` are set in a field. */
  has(cell: number, field: number, bits: number): boolean {
    return (Atomics.load(this.cells, cell + field) & bits) === bits;
  }

  /** Raise a field to at least `value`. */
  max(cell: number, field: number, value: number): void {
    for (let cur = Atomics.load(this.cells, cell + field); cur < value; cur = Atomics.load(this.cells, cell + field)) {
      if (Atomics.compareExchange(this.cells, cell + field, cur, value) === cur) return;
    }
  }

  /** Set a field from `expected` to `value`; true for the caller that did it (the others see the new value). */
  replace(cell: number, field: number, expected: number, value: number): boolean {
    return Atomics.compareExchange(this.cells, cell + field, expected, value) === expected;
  }

  /** Set a field from 0 to `value` once; true for the caller that did it. */
  claim(cell: number, field: number, value: number): boolean {
    return this.replace(cell, field, 0, value);
  }
}
