/**
 * When attempts time out: the deadline heap, the one timer armed for its
 * earliest entry, and the closing of timed-out sockets a burst per loop turn.
 *
 * The timer does not decide anything itself: it asks the loop for a check
 * phase (setImmediate). libuv runs the poll phase (socket completions) between
 * timers and check, so an answer that arrived in the same loop turn as the
 * deadline is seen first and wins (undici's rule). Everything due is then
 * taken at one instant; the sockets are closed afterwards, CLOSE_BURST per
 * turn, because closing 1,000 sockets takes ~12 ms and would make the next
 * deadlines late.
 */
import type { Attempt, Target } from './attempt.js';
import type { ProbeBackend } from './backends/index.js';
import { DeadlineHeap } from './deadlines.js';

/** How often deferred attempts are judged again when nothing else wakes the loop. */
const DEFERRED_POLL_MS = 10;
/** Timed-out sockets closed per loop turn at most. */
const CLOSE_BURST = 32;

export class Expiry {
  readonly heap = new DeadlineHeap<Attempt>();
  /** Timed-out attempts whose sockets are still to be closed. */
  private closing: Attempt[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The deadline the timer is armed for. */
  private timerAt = Infinity;
  /** Attempts started on an estimate still settling (see unmeasured), some of them over by now. */
  private provisional: Attempt[] = [];
  /** How many in `provisional` are over: it is compacted when they are half of it. */
  private provisionalDone = 0;
  private seenGeneration = 0;
  /** Timed-out attempts waiting for their host's retries still out (timing.ts 'wait'). */
  private deferred: Attempt[] = [];
  /** When the deferred attempts were last judged, and Timing.evidence then. */
  private judgedAt = -Infinity;
  private judgedOn = 0;

  constructor(
    private readonly backend: ProbeBackend,
    /** Gives a closed socket's slot back to the pool. */
    private readonly freeSlot: () => void,
    /** Asks for a check phase (the loop's queueCheck). */
    private readonly wake: () => void,
  ) {}

  /**
   * Attempts past their deadline, out of the heap, oldest first; the caller
   * closes their sockets (close) or keeps one listening late (late.ts). Each is judged by its host's current estimate (nmap's
   * rule): one whose estimate grew since its deadline was set (a burst still
   * landing, a queue filling) gets the later deadline instead. The estimate is
   * read afresh, not through the launch's per-millisecond cache (timeoutFor):
   * a loop turn that launched for a long while cached it just before the poll
   * phase whose answers raised it, and under load that timed out hundreds of
   * first tries at 100 ms whose host's estimate was by then 163 ms (lab
   * `jitter`; their retries looked like loss and shrank the window: 6 s
   * instead of 1.4 s).
   */
  takeDue(now: number, timing: { timeoutMs(cell: number): number; clock?: { end(target: Target): number } }): Attempt[] {
    const due: Attempt[] = [];
    for (let a = this.heap.peek(); a !== undefined && a.deadline <= now; a = this.heap.peek()) {
      // Never past the end of the host's --host-timeout (an attempt cut there would be given its full timeout again).
      const later = Math.min(a.start + timing.timeoutMs(a.target.cell), timing.clock?.end(a.target) ?? Infinity);
      if (later > now) {
        this.reschedule(a, later);
        continue;
      }
      this.heap.remove(a);
      due.push(a);
    }
    return due;
  }

  /** A due attempt's socket is to be closed (a burst per loop turn, drain()); a late one's slot was given back already. */
  close(a: Attempt): void {
    this.closing.push(a);
  }

  /** A timed-out attempt listens on for a late answer until `end` (late.ts). */
  listenLate(a: Attempt, end: number): void {
    this.reschedule(a, end);
  }

  /** No chunk left: a timer left armed would keep the thread alive until a deadline nobody waits for. */
  disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Move an attempt's deadline (earlier or later); the timer is re-armed for the new earliest. */
  reschedule(a: Attempt, deadline: number): void {
    this.heap.remove(a);
    a.deadline = deadline;
    this.heap.push(a);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** An attempt timed on an estimate still settling: retime() will revisit it. */
  unmeasured(a: Attempt): void {
    a.provisional = true;
    this.provisional.push(a);
  }

  /**
   * The attempt is over (done): out of the heap, and soon out of `provisional`.
   * Every attempt ends here once (the loop's release()), so the count is exact
   * and the list never holds more than twice the attempts not over, plus 64.
   * A walk over many hosts starts every probe on a host with no sample, so
   * every attempt lands in `provisional`; kept there until the list doubled
   * the window, answered attempts outlived two scavenges, and V8 promoted them
   * to the old generation: ~6 MB of garbage per worker before its first full
   * GC (the /12 walk's peak RSS, 97-100 MiB; compacted at half, 89-91 MiB).
   */
  forget(a: Attempt): void {
    this.heap.remove(a);
    if (!a.provisional) return;
    if (++this.provisionalDone >= 64 && 2 * this.provisionalDone >= this.provisional.length) this.compactProvisional();
  }

  /** Attempts in the retime list, over ones included (for tests: it stays near the live count). */
  get provisionalCount(): number {
    return this.provisional.length;
  }

  private compactProvisional(): void {
    this.provisional = this.provisional.filter((p) => !p.done);
    this.provisionalDone = 0;
  }

  /**
   * When an estimate falls (timing's generation moved: a cell's first
   * sample, or its timeout estimate down by a quarter), attempts started
   * on the higher estimate get the current one, as nmap judges a probe by the
   * current estimate. Without this the first burst of a scan (all 10,000
   * probes on a fast network, or 1,000 at 200 ms where the first sample
   * alone gives a 1 s timeout) waited out the first guess.
   */
  retime(timing: { generation(): number; timeoutMs(cell: number): number }): void {
    if (this.provisional.length === 0 || timing.generation() === this.seenGeneration) return;
    this.seenGeneration = timing.generation();
    this.compactProvisional();
    for (const a of this.provisional) {
      const deadline = a.start + timing.timeoutMs(a.target.cell);
      if (deadline < a.deadline && !a.late) this.reschedule(a, deadline);
    }
  }

  /** Keep a timed-out attempt undecided until its host's retries still out are resolved; its chunk waits for it. */
  defer(a: Attempt, held = false): void {
    if (held) a.held = 'yes'; // held through its host's outage (outage.ts)
    a.chunk.waiting++;
    this.deferred.push(a);
  }

  /**
   * The deferred attempts, to be judged again: when `evidence` (Timing.evidence: a retry answered, a host's last
   * retry out resolved) moved in this thread, else every DEFERRED_POLL_MS (another worker's evidence, the end of
   * an UNSETTLED wait). Judged every check phase, thousands of them (lab fwloss: firewalled hosts over a lossy path)
   * took a fifth of the scan's CPU, in loop turns that launch at most LAUNCH_BURST each.
   */
  takeDeferred(now: number, evidence: number): Attempt[] {
    if (this.deferred.length === 0 || (evidence === this.judgedOn && now - this.judgedAt < DEFERRED_POLL_MS)) return [];
    this.judgedOn = evidence;
    this.judgedAt = now;
    const out = this.deferred;
    this.deferred = [];
    for (const a of out) a.chunk.waiting--;
    return out;
  }

  /** A stopped chunk's deferred attempts are abandoned. */
  dropDeferred(chunk: Attempt['chunk']): void {
    this.deferred = this.deferred.filter((a) => a.chunk !== chunk);
    chunk.waiting = 0;
  }

  /** True when the earliest attempt in flight is past its deadline. */
  headDue(now: number): boolean {
    const a = this.heap.peek();
    return a !== undefined && a.deadline <= now;
  }

  get closingCount(): number {
    return this.closing.length;
  }

  /**
   * Close a burst of timed-out sockets and give their slots back; true if more
   * are waiting. Stops early when a deadline falls due, so it is decided first.
   */
  drain(): boolean {
    const limit = Math.min(this.closing.length, CLOSE_BURST);
    let n = 0;
    while (n < limit) {
      const a = this.closing[n]!;
      this.backend.abort(a);
      a.handle = null;
      if (!a.late) this.freeSlot();
      n++;
      if (n % 8 === 0 && this.headDue(performance.now())) break;
    }
    this.closing.splice(0, n);
    return this.closing.length > 0;
  }

  /** Arm the one timer for the earliest deadline, unless it is armed (or a check phase is queued, which re-arms). */
  arm(checkQueued: boolean): void {
    // This runs per launch: a number, not an object.
    let deadline = this.heap.peek()?.deadline ?? Infinity;
    // Deferred attempts may wait on another worker's retries, which wake
    // nothing here: look again every DEFERRED_POLL_MS.
    if (this.deferred.length > 0) deadline = Math.min(deadline, performance.now() + DEFERRED_POLL_MS);
    // Nothing in flight: a timer still armed fires for nothing, which costs less
    // than clearing and setting one every loop turn (on loopback the heap
    // empties every turn). disarm() clears it when the worker has no chunk left.
    if (deadline === Infinity) return;
    if (checkQueued) return;
    // Armed already, for this deadline or an earlier one. Deadlines differ per
    // host, so an attempt started later may be due earlier: re-arm for it.
    if (this.timer !== null && this.timerAt <= deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(deadline - performance.now())));
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    // Not here: let the poll phase deliver any answer that raced the deadline first.
    this.wake();
  };
}
