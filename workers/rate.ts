/**
 * Probe budgets shared by every worker thread: a GCRA (virtual-scheduling token
 * bucket) whose "theoretical arrival time" lives in a SharedArrayBuffer and is
 * advanced with compare-and-swap, so all workers draw from one budget without
 * messages. The per-host cap hashes the host index into a fixed table of the
 * same cells: memory stays fixed, and a collision only makes the cap stricter.
 */
import { HOST_TABLE_SIZE, type RateShared } from '../src/wire/rate.js';

/** The low bit of a host cell's due time (1 ns): a probe was refused and waits for it (see take). */
const WAITED = 1n;

/** Worker-side view of the shared budgets. */
export class RateGate {
  private readonly global: BigInt64Array | null;
  private readonly hosts: BigInt64Array | null;
  private readonly interval: bigint;
  private readonly hostInterval: bigint;
  private readonly burst: bigint;
  private readonly globalSlack: bigint;
  private readonly offsetMs: number;

  constructor(shared: RateShared) {
    this.global = shared.intervalNs > 0 ? new BigInt64Array(shared.tat) : null;
    this.hosts = shared.hostTat ? new BigInt64Array(shared.hostTat) : null;
    this.interval = BigInt(shared.intervalNs);
    this.hostInterval = BigInt(shared.hostIntervalNs);
    this.burst = BigInt(shared.burstNs);
    this.globalSlack = this.interval / 2n < 10_000_000n ? this.interval / 2n : 10_000_000n;
    // performance.now() differs per thread; rebase onto the coordinator's origin.
    this.offsetMs = performance.timeOrigin - shared.originMs;
  }

  private nowNs(): bigint {
    return BigInt(Math.round((this.offsetMs + performance.now()) * 1e6));
  }

  /**
   * Take one unit from a cell; 0 when granted, else the milliseconds to wait.
   * `slack`: when a probe waited for this grant (hostWait or a refusal here
   * marked the cell), up to half an interval of its timer's lateness is
   * kept, so the next is due at least half an interval later, never at once,
   * and the rate over any span stays within the cap. Restarting the schedule
   * at `now` added every late wake-up to the gap (--host-rate 1000 ran at
   * 692/s); an idle host still starts over at `now` (keeping its old due
   * time let a host idle for most of an interval take two probes 1 ms apart).
   */
  private take(cells: BigInt64Array, i: number, interval: bigint, burst: bigint, now: bigint, slack = 0n): number {
    for (;;) {
      const tat = Atomics.load(cells, i);
      const due = tat & ~WAITED;
      // The earliest the grant may count from: now, or up to `slack` before it for a probe that waited.
      const floor = (tat & WAITED) !== 0n ? now - slack : now;
      const base = due > floor ? due : floor;
      if (base - now > burst) {
        // Refused: the probe waits for this grant, so the lateness of its wake-up is kept (see slack).
        if (slack > 0n && (tat & WAITED) === 0n) Atomics.or(cells, i, WAITED);
        return Number(base - now - burst) / 1e6;
      }
      if (Atomics.compareExchange(cells, i, tat, (base + interval) & ~WAITED) === tat) return 0;
    }
  }

  /** Whether the host's own cap allows a probe now (without taking it); ms to wait otherwise, the cell marked as waited for. */
  hostWait(hostIndex: number): number {
    if (!this.hosts) return 0;
    const cell = this.cell(hostIndex);
    const now = this.nowNs();
    const due = Atomics.load(this.hosts, cell) & ~WAITED;
    // No burst per host: one probe, then the next at least half an interval later (see take();
    // a burst of one interval let every host take two at once, 21 in 2 s at --host-rate 10).
    if (due <= now) return 0;
    Atomics.or(this.hosts, cell, WAITED);
    return Number(due - now) / 1e6;
  }

  /**
   * Take the budget for one probe to `hostIndex`: 0 when granted; ms to wait
   * when the global budget refuses; minus the ms to wait when the host's cap
   * refuses. The host's cap is looked at first, so a refused host does not
   * burn global tokens.
   */
  acquire(hostIndex: number): number {
    const now = this.nowNs();
    if (this.hosts) {
      const wait = this.hostWait(hostIndex);
      if (wait > 0) return -wait;
    }
    if (this.global) {
      // With slack, as a host's cap has it: at 100/s or less (no burst) every late wake-up of the loop was added to
      // the gap, and --rate 50 sent 45/s, --rate 100 89/s. At most 10 ms of it, the burst's measure: half an interval
      // put one probe more into a second at --rate 10.
      const wait = this.take(this.global, 0, this.interval, this.burst, now, this.globalSlack);
      if (wait > 0) return wait;
    }
    if (this.hosts) {
      // Another worker may have taken this host's last token since hostWait()
      // looked: then the probe is refused after all, and the global token goes back.
      const wait = this.take(this.hosts, this.cell(hostIndex), this.hostInterval, 0n, now, this.hostInterval / 2n);
      if (wait > 0) {
        if (this.global) Atomics.sub(this.global, 0, this.interval);
        return -wait;
      }
    }
    return 0;
  }

  private cell(hostIndex: number): number {
    // Fibonacci hashing of the host index spreads neighbouring hosts over the table.
    return (Math.imul(hostIndex | 0, 0x9e3779b1) >>> 16) & (HOST_TABLE_SIZE - 1);
  }
}
