/**
 * The connect loop of one worker thread.
 *
 * Window: attempts in flight are bounded by one window shared by every worker
 * (WorkerScanSpec.inflight). This worker may always fill its fair share and
 * may borrow idle shares when it alone has work left. New attempts are started
 * at most LAUNCH_BURST per loop turn, and answers top the window up once per
 * turn rather than once per answer.
 *
 * Deadlines: every attempt has the same timeout, so deadlines are ordered like
 * start times and a FIFO queue is a priority queue. One timer is armed for the
 * oldest attempt in flight. When it fires, expiry waits for setImmediate: libuv
 * runs the poll phase (socket completions) between timers and check, so an
 * answer that arrived in the same loop turn as the deadline is seen first and
 * wins (undici's rule). All attempts due at that moment are decided at that
 * moment; their sockets are closed afterwards, a burst per turn, so a mass
 * expiry does not delay its own tail or the next deadlines.
 */
import { classifyErrno } from '../src/classify.js';
import { Permutation } from '../src/permute/index.js';
import { TargetSet } from '../src/targets/set.js';
import {
  type ChunkProgress,
  type ChunkTask,
  type CoordinatorMessage,
  type LocalEvents,
  type PortState,
  STATE_CODE,
  type StateCounts,
  type WireRecord,
  type WorkerMessage,
  type WorkerScanSpec,
  emptyCounts,
} from '../src/types.js';
import { type AttemptHandle, type ProbeBackend, createBackend, errnoName } from './probe.js';
import { RateGate } from './rate.js';

/** Attempts started per loop turn at most (see fill). */
const LAUNCH_BURST = 16;
/** Timed-out sockets closed per loop turn at most (see drainClosing). */
const CLOSE_BURST = 32;
/** Records per message; larger batches cost less per record, smaller ones stream sooner. */
const BATCH_RECORDS = 512;
/** Progress and records are flushed at least this often while a chunk runs. */
const FLUSH_MS = 100;
/** A probe that keeps hitting local resource errors is given up as `error` after this many tries. */
const MAX_LOCAL_RETRIES = 200;
/** A self-connect is retried this many times (a new source port each time). */
const MAX_SELF_RETRIES = 16;
const STATE_NAMES: PortState[] = ['open', 'closed', 'filtered', 'error'];

/** What earlier attempts at a position ran into. */
interface Tries {
  /** Timeouts (bounded by --retries). */
  tries: number;
  /** Self-connects (bounded by MAX_SELF_RETRIES). */
  selfTries: number;
  /** Local-resource failures (bounded by MAX_LOCAL_RETRIES). */
  localTries: number;
}

const FIRST_TRY: Tries = Object.freeze({ tries: 0, selfTries: 0, localTries: 0 });

class Attempt implements AttemptHandle {
  handle: unknown = null;
  done = false;
  readonly deadline: number;
  readonly bindFirst: boolean;
  constructor(
    readonly chunk: ActiveChunk,
    readonly k: number,
    readonly host: string,
    readonly port: number,
    readonly v6: boolean,
    readonly start: number,
    timeoutMs: number,
    readonly history: Tries,
  ) {
    this.deadline = start + timeoutMs;
    this.bindFirst = history.selfTries > 0;
  }
}

/** A position waiting to be (re)started: a retry, or held back by the per-host cap. */
interface Pending extends Tries {
  chunk: ActiveChunk;
  k: number;
  readyAt: number;
}

class ActiveChunk {
  nextK: number;
  watermark: number;
  inflight = 0;
  decided = 0;
  stopped = false;
  finished = false;
  committed: StateCounts = emptyCounts();
  decidedCounts: StateCounts = emptyCounts();
  records: WireRecord[] = [];
  events: LocalEvents = {};
  /** Per-host counts committed since the last message (only when the spec asks for them). */
  hostDelta: Map<number, Int32Array> | null = null;
  /** Per offset: 0 = not decided yet, else a STATE_CODE. Lets the watermark advance in order. */
  readonly states: Uint8Array;
  constructor(
    readonly task: ChunkTask,
    readonly resolve: (stopped: boolean) => void,
  ) {
    this.nextK = task.fromK;
    this.watermark = task.fromK;
    this.states = new Uint8Array(task.count);
  }
}

export class Engine {
  private readonly spec: WorkerScanSpec;
  private readonly targets: TargetSet;
  private readonly ports: Uint16Array;
  private readonly portCount: number;
  private readonly v4Count: number;
  private readonly perm: Permutation | null;
  private readonly backend: ProbeBackend;
  private readonly rate: RateGate | null;
  private readonly maxWindow: number;
  private window: number;
  /** The pool-wide count of attempts in flight (see WorkerScanSpec.inflight). */
  private readonly shared: Int32Array;
  private growCredit = 0;
  private inflight = 0;
  private chunks: ActiveChunk[] = [];
  private pending: Pending[] = [];
  /** Timed-out attempts whose sockets are still to be closed (see drainClosing). */
  private closing: Attempt[] = [];
  /** Attempts in start order; decided ones are skipped lazily. */
  private queue: Attempt[] = [];
  private queueHead = 0;
  private timer: NodeJS.Timeout | null = null;
  private pumpTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private backoffUntil = 0;
  private backoffMs = 0;
  private pumping = false;
  private fillScheduled = false;
  private hungry = false;
  /** The last host's address text: consecutive probes often share a host. */
  private lastHostIndex = -1;
  private lastHost = '';
  private readonly crashAfter: { chunk: number; decided: number } | null;

  /** `makeBackend` is for tests: a fake backend decides when answers arrive. */
  constructor(spec: WorkerScanSpec, makeBackend: typeof createBackend = createBackend) {
    this.spec = spec;
    this.targets = TargetSet.fromData(spec.targets);
    this.ports = spec.ports;
    this.portCount = spec.ports.length;
    this.v4Count = this.targets.v4Count;
    this.perm = spec.permutation ? new Permutation(spec.permutation.range, spec.permutation.seed) : null;
    this.backend = makeBackend(spec.engine, (a, status, self) => this.onComplete(a as Attempt, status, self));
    this.rate = spec.rate ? new RateGate(spec.rate) : null;
    this.maxWindow = Math.max(1, spec.window);
    this.window = this.maxWindow;
    this.shared = new Int32Array(spec.inflight);
    const m = spec.fault ? /^crash:chunk=(\d+):after=(\d+)$/.exec(spec.fault) : null;
    this.crashAfter = m ? { chunk: Number(m[1]), decided: Number(m[2]) } : null;
  }

  /** Run one chunk to completion (or until stopped); resolves when its last record was posted. */
  run(task: ChunkTask): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const chunk = new ActiveChunk(task, resolve);
      task.port.on('message', (msg: CoordinatorMessage) => {
        if (msg.t === 'stop') this.stopChunk(chunk);
      });
      this.chunks.push(chunk);
      this.armFlush();
      this.pump();
      this.maybeFinish(chunk);
    });
  }

  // ---- starting attempts -------------------------------------------------

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.fill();
    } finally {
      this.pumping = false;
    }
  }

  private fill(): void {
    if (this.closing.length > 0 && this.drainClosing()) {
      // Still closing: start nothing new this turn (the fds are not free yet).
      this.scheduleFill();
      return;
    }
    this.fillLoop();
    const queued = this.hasQueued();
    this.setHungry(queued);
    // Held to our share with work waiting: the other workers' slots may free up,
    // or they may run dry, and nothing else would wake us (our own attempts may
    // all be silent targets, answering only at their deadlines). Look again shortly.
    if (queued && this.inflight >= this.window) this.schedulePump(2);
  }

  /** Whether this worker has positions waiting to start. */
  private hasQueued(): boolean {
    return this.pending.length > 0 || this.nextChunk() !== undefined;
  }

  /** The oldest chunk with positions not started yet (a loop, not find(): this runs per probe). */
  private nextChunk(): ActiveChunk | undefined {
    for (const c of this.chunks) if (!c.stopped && c.nextK < c.task.count) return c;
    return undefined;
  }

  /** Publish whether this worker has work waiting (the pool-wide count in shared[1]). */
  private setHungry(hungry: boolean): void {
    if (hungry === this.hungry) return;
    this.hungry = hungry;
    Atomics.add(this.shared, 1, hungry ? 1 : -1);
  }

  /**
   * Room for one more attempt: within this worker's share, or beyond it when no
   * other worker has work waiting (and no local resource trouble).
   */
  private hasRoom(): boolean {
    if (this.inflight < this.window) return true;
    return this.window === this.maxWindow && Atomics.load(this.shared, 1) <= (this.hungry ? 1 : 0);
  }

  private fillLoop(): void {
    let launched = 0;
    while (this.hasRoom()) {
      const now = performance.now();
      if (launched === LAUNCH_BURST || (launched % 8 === 7 && this.headDue(now))) {
        // Let the loop turn: a refill of a whole window (after a mass timeout)
        // takes ~15 ms, and deadlines falling due meanwhile must be decided on
        // time. The continuation runs after the poll phase has delivered any
        // answer that beat them, decides what is due, then fills on.
        this.scheduleFill();
        return;
      }
      if (now < this.backoffUntil) {
        this.schedulePump(this.backoffUntil - now);
        return;
      }
      // Retries and held-back positions first, oldest first.
      let next: Pending | null = null;
      if (this.pending.length > 0) {
        const i = this.pending.findIndex((p) => p.readyAt <= now && !p.chunk.stopped);
        if (i >= 0) next = this.pending.splice(i, 1)[0]!;
      }
      let chunk: ActiveChunk | undefined;
      let k: number;
      if (next) {
        chunk = next.chunk;
        k = next.k;
      } else {
        chunk = this.nextChunk();
        if (!chunk) {
          if (this.pending.length > 0) this.schedulePump(Math.max(0.5, Math.min(...this.pending.map((p) => p.readyAt)) - now));
          return;
        }
        k = chunk.nextK;
      }
      const index = this.indexOf(chunk, k);
      const hostIndex = Math.floor(index / this.portCount);
      if (this.rate) {
        const wait = this.rate.acquire(hostIndex);
        if (wait !== 0) {
          if (wait < 0 && !next && this.pending.length < this.window) {
            // This host is at its cap: hold the position back and go on with others.
            chunk.nextK++;
            this.pending.push({ chunk, k, ...FIRST_TRY, readyAt: now - wait });
            continue;
          }
          if (next) this.pending.unshift(next);
          this.schedulePump(Math.abs(wait));
          return;
        }
      }
      if (!this.takeSlot()) {
        // The pool-wide window is full. Our own answers will call pump(); with
        // none in flight, nothing would, so look again shortly.
        if (next) this.pending.unshift(next);
        if (this.inflight === 0) this.schedulePump(1);
        return;
      }
      if (!next) chunk.nextK++;
      this.launch(chunk, k, index, hostIndex, next ?? FIRST_TRY, now);
      launched++;
    }
  }

  /**
   * Queue this loop turn's check-phase work, once: decide what is due, re-arm
   * the timer, top the window up. The deadline timer, answers and long refills
   * all come here, after the poll phase has delivered this turn's answers.
   */
  private scheduleFill(): void {
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    setImmediate(this.checkPhase);
  }

  private readonly checkPhase = (): void => {
    this.fillScheduled = false;
    this.decideDue();
    this.rearm();
    this.pump();
  };

  /** Reserve one of the pool's `concurrency` slots. */
  private takeSlot(): boolean {
    if (Atomics.add(this.shared, 0, 1) < this.spec.concurrency) return true;
    Atomics.sub(this.shared, 0, 1);
    return false;
  }

  private indexOf(chunk: ActiveChunk, k: number): number {
    const position = chunk.task.start + k * chunk.task.stride;
    return this.perm === null ? position : this.perm.shuffle(position);
  }

  private launch(chunk: ActiveChunk, k: number, index: number, hostIndex: number, history: Tries, now: number): void {
    const port = this.ports[index - hostIndex * this.portCount]!;
    if (hostIndex !== this.lastHostIndex) {
      this.lastHostIndex = hostIndex;
      this.lastHost = this.targets.at(hostIndex);
    }
    const attempt = new Attempt(chunk, k, this.lastHost, port, hostIndex >= this.v4Count, now, this.spec.timeoutMs, history);
    this.inflight++;
    chunk.inflight++;
    this.queue.push(attempt);
    const err = this.backend.start(attempt);
    if (err !== 0) {
      this.onComplete(attempt, err, false);
      return;
    }
    // Arm for the oldest attempt still in flight, not this one: after an expiry
    // the timer is down while older attempts may still be waiting (measured by
    // the bench: 15 % of timeouts a whole timeout late before this).
    this.rearm();
  }

  /**
   * After an answer: top the window up once per loop turn (check phase), not
   * once per answer. On loopback most connects are answered inside the
   * connect() call, so the window then holds about one burst of live sockets
   * instead of all `window` of them: measured, 65,535 loopback ports took
   * 0.97 s at 256 per worker and 0.87 s at 32. On a slow network the window
   * still fills, a burst per turn.
   */
  private refill(): void {
    if (!this.pumping) this.scheduleFill();
  }

  private schedulePump(ms: number): void {
    if (this.pumpTimer !== null) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, Math.max(1, Math.ceil(ms)));
  }

  // ---- answers -----------------------------------------------------------

  private onComplete(a: Attempt, status: number, self: boolean): void {
    if (a.done) return;
    if (status === 0) {
      if (self) {
        // The kernel picked the target port as our source port and the socket
        // connected to itself: no listener answered. Try again from another port.
        this.release(a);
        this.countEvent(a.chunk, 'self-connect');
        if (a.history.selfTries + 1 >= MAX_SELF_RETRIES) this.decide(a, 'error', 'self-connect', performance.now());
        else this.retryLater(a, 'selfTries');
        this.refill();
        return;
      }
      this.release(a);
      this.decide(a, 'open', 'syn-ack', performance.now());
      this.refill();
      return;
    }
    const name = errnoName(status);
    const verdict = classifyErrno(name);
    this.release(a);
    if (verdict.kind === 'local') {
      this.localError(a, name);
    } else {
      this.decide(a, verdict.state, name, performance.now());
    }
    this.refill();
  }

  /** The scanner ran out of something: shrink the window, back off, retry the position later. */
  private localError(a: Attempt, code: string): void {
    this.countEvent(a.chunk, code);
    if (a.history.localTries + 1 >= MAX_LOCAL_RETRIES) {
      this.decide(a, 'error', code, performance.now());
      return;
    }
    this.window = Math.max(1, Math.min(this.window, Math.floor((this.inflight + 1) * 0.75)));
    this.growCredit = 0;
    this.backoffMs = Math.min(500, this.backoffMs === 0 ? 2 : this.backoffMs * 2);
    this.backoffUntil = performance.now() + this.backoffMs;
    this.retryLater(a, 'localTries');
  }

  /** Put a position first in line for another attempt, counting what went wrong. */
  private retryLater(a: Attempt, what: keyof Tries): void {
    const h = a.history;
    this.pending.unshift({ chunk: a.chunk, k: a.k, tries: h.tries, selfTries: h.selfTries, localTries: h.localTries, [what]: h[what] + 1, readyAt: 0 });
  }

  /**
   * The attempt is over. Its pool slot is freed now, or, for a timed-out
   * attempt whose socket is still open, when drainClosing() closes it.
   */
  private release(a: Attempt, freeSlot = true): void {
    a.done = true;
    if (freeSlot) {
      // The deadline queue may hold this attempt a while longer; its socket
      // wrapper (and native handle) need not wait for that to be collected.
      a.handle = null;
      Atomics.sub(this.shared, 0, 1);
    }
    this.inflight--;
    a.chunk.inflight--;
    // Drop decided attempts from the front of the deadline queue as we go, so
    // it holds only what started after the oldest attempt still in flight.
    if (this.queue[this.queueHead] === a) this.head();
  }

  /** The oldest attempt still in flight, after dropping decided ones from the queue's front. */
  private head(): Attempt | undefined {
    const q = this.queue;
    let h = this.queueHead;
    while (h < q.length && q[h]!.done) h++;
    if (h > 1024 && h * 2 > q.length) {
      this.queue = q.slice(h);
      h = 0;
    }
    this.queueHead = h;
    return this.queue[h];
  }

  private decide(a: Attempt, state: PortState, reason: string, now: number): void {
    const chunk = a.chunk;
    // After a local-resource back-off: the pause shrinks with every answer,
    // and the window grows back by one per 16 answers (additive increase).
    if (this.backoffMs > 0) this.backoffMs = this.backoffMs < 1 ? 0 : this.backoffMs * 0.9;
    if (this.window < this.maxWindow && ++this.growCredit >= 16) {
      this.growCredit = 0;
      this.window++;
    }
    chunk.states[a.k] = STATE_CODE[state];
    chunk.decided++;
    chunk.decidedCounts[state]++;
    if (this.spec.emit[state] && !chunk.stopped) {
      chunk.records.push({
        k: a.k,
        host: a.host,
        port: a.port,
        state: STATE_CODE[state],
        reason,
        rttMs: Math.round((now - a.start) * 1000) / 1000,
        tsMs: performance.timeOrigin + now,
      });
    }
    let w = chunk.watermark;
    const states = chunk.states;
    const committed = chunk.committed;
    while (w < states.length && states[w] !== 0) {
      committed[STATE_NAMES[states[w]! - 1]!]++;
      if (this.spec.hostCounts) this.countHost(chunk, w, states[w]!);
      w++;
    }
    chunk.watermark = w;
    if (this.crashAfter && chunk.task.chunkId === this.crashAfter.chunk && chunk.task.attempt === 0 && chunk.decided >= this.crashAfter.decided) {
      this.post(chunk, false);
      process.exit(70); // test-only: a worker that dies mid-chunk (SHARDSCAN_FAULT)
    }
    if (chunk.records.length >= BATCH_RECORDS) this.post(chunk, false);
    this.maybeFinish(chunk);
  }

  /** Count a committed offset against its host (recomputing the host is cheaper than storing it). */
  private countHost(chunk: ActiveChunk, k: number, code: number): void {
    const host = Math.floor(this.indexOf(chunk, k) / this.portCount);
    chunk.hostDelta ??= new Map();
    let c = chunk.hostDelta.get(host);
    if (!c) {
      c = new Int32Array(4);
      chunk.hostDelta.set(host, c);
    }
    c[code - 1] = c[code - 1]! + 1;
  }

  private countEvent(chunk: ActiveChunk, code: string): void {
    chunk.events[code] = (chunk.events[code] ?? 0) + 1;
  }

  // ---- deadlines ---------------------------------------------------------

  private readonly onTimer = (): void => {
    this.timer = null;
    // Not here: let the poll phase deliver any answer that raced the deadline first.
    this.scheduleFill();
  };

  /**
   * Decide every attempt past its deadline, all at one instant. Runs only from
   * the check phase (setImmediate), after the poll phase has delivered the
   * answers of this loop turn: an answer that arrived with the deadline wins.
   */
  private decideDue(): void {
    const now = performance.now();
    const due: Attempt[] = [];
    for (let a = this.head(); a !== undefined && a.deadline <= now; a = this.head()) {
      due.push(a);
      this.queueHead++;
    }
    // Decide every due attempt at `now`. Their sockets are closed later, a
    // burst per loop turn (drainClosing): closing 1,000 sockets takes ~12 ms,
    // which would make the next deadlines late.
    const retry: Attempt[] = [];
    for (const a of due) {
      this.release(a, false);
      this.closing.push(a);
      if (a.history.tries < this.spec.retries && !a.chunk.stopped) retry.push(a);
      else this.decide(a, 'filtered', 'timeout', now);
    }
    // Retries go first in line, oldest first.
    for (let i = retry.length - 1; i >= 0; i--) this.retryLater(retry[i]!, 'tries');
  }

  /**
   * Close a burst of timed-out sockets and give their slots back; true if more
   * are waiting. Stops early when a deadline falls due, so it is decided first.
   */
  private drainClosing(): boolean {
    const limit = Math.min(this.closing.length, CLOSE_BURST);
    let n = 0;
    while (n < limit) {
      this.backend.abort(this.closing[n]!);
      Atomics.sub(this.shared, 0, 1);
      n++;
      if (n % 8 === 0 && this.headDue(performance.now())) break;
    }
    this.closing.splice(0, n);
    return this.closing.length > 0;
  }

  /** True when the oldest attempt in flight is past its deadline. */
  private headDue(now: number): boolean {
    const a = this.head();
    return a !== undefined && a.deadline <= now;
  }

  /** Arm the one timer for the oldest attempt in flight, unless it is armed already. */
  private rearm(): void {
    // A queued check phase re-arms when it runs.
    if (this.timer !== null || this.fillScheduled) return;
    const a = this.head();
    if (a) this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(a.deadline - performance.now())));
  }

  // ---- stopping, flushing, finishing -------------------------------------

  private stopChunk(chunk: ActiveChunk): void {
    if (chunk.stopped || chunk.finished) return;
    chunk.stopped = true;
    // In-flight attempts of a stopped chunk are abandoned: they are not results.
    // Walk a fixed array: release() may compact this.queue under us.
    const q = this.queue;
    for (let i = this.queueHead; i < q.length; i++) {
      const a = q[i]!;
      if (a.chunk === chunk && !a.done) {
        this.backend.abort(a); // before release(), which drops the handle
        this.release(a);
      }
    }
    this.pending = this.pending.filter((p) => p.chunk !== chunk);
    this.maybeFinish(chunk);
    this.pump();
  }

  private maybeFinish(chunk: ActiveChunk): void {
    if (chunk.finished) return;
    const exhausted = chunk.stopped || (chunk.nextK >= chunk.task.count && chunk.watermark >= chunk.task.count);
    if (!exhausted || chunk.inflight > 0) return;
    if (!chunk.stopped && this.pending.some((p) => p.chunk === chunk)) return;
    chunk.finished = true;
    this.chunks = this.chunks.filter((c) => c !== chunk);
    this.post(chunk, true);
    chunk.task.port.close();
    if (this.chunks.length === 0) {
      this.disarmFlush();
      while (this.drainClosing());
      this.setHungry(false);
      this.rearm();
    }
    chunk.resolve(chunk.stopped);
  }

  private progress(chunk: ActiveChunk): ChunkProgress {
    const events = chunk.events;
    chunk.events = {};
    let hostCounts: Float64Array | null = null;
    if (chunk.hostDelta !== null) {
      hostCounts = new Float64Array(chunk.hostDelta.size * 5);
      let i = 0;
      for (const [host, c] of chunk.hostDelta) {
        hostCounts[i++] = host;
        for (let s = 0; s < 4; s++) hostCounts[i++] = c[s]!;
      }
      chunk.hostDelta = null;
    }
    return { watermark: chunk.watermark, committed: { ...chunk.committed }, decided: chunk.decided, decidedCounts: { ...chunk.decidedCounts }, events, hostCounts };
  }

  private post(chunk: ActiveChunk, done: boolean): void {
    const records = chunk.records;
    chunk.records = [];
    const msg: WorkerMessage = done
      ? { t: 'done', records, progress: this.progress(chunk), engine: this.backend.name }
      : { t: 'batch', records, progress: this.progress(chunk) };
    chunk.task.port.postMessage(msg);
  }

  private armFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setInterval(() => {
      for (const c of this.chunks) this.post(c, false);
    }, FLUSH_MS);
  }

  private disarmFlush(): void {
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.flushTimer = null;
  }
}
