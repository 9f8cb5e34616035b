/**
 * The connect loop of one worker thread, tying together parts with one job each: Window (this worker's share),
 * Congestion (per-host windows, pacing), Timing (timeouts, retries), Twins (retries sent twice), Expiry (deadlines),
 * Timeouts (attempts past them, decided in the check phase so an answer in the same loop turn wins), LateListen
 * (late answers of silent hosts), RouteFailures (no route to a host heard from), PendingQueue (retries, held-back
 * positions), ChunkSet and ChunkLedger (what is decided, the watermark), Outbox (batches), BannerStage (--banners)
 * and a probe backend.
 */
import { classifyErrno } from '../src/classify.js';
import type { PortState } from '../src/model/states.js';
import { HostTable } from '../src/wire/hosts.js';
import type { ChunkTask, CoordinatorMessage, WorkerScanSpec } from '../src/wire/messages.js';
import { Attempt, FIRST_TRY, type Pending, type Target, nextTry } from './attempt.js';
import { type AttemptHandle, type KeptConnection, type ProbeBackend, createBackend, errnoName } from './backends/index.js';
import type { BannerStage } from './banner-stage.js';
import { type ServiceInfo, TCPWRAPPED } from '../src/model/service.js';
import { Expiry } from './expiry.js';
import { LateListen } from './late.js';
import { RouteFailures } from './route-failures.js';
import { ChunkSet } from './chunks.js';
import { ChunkLedger } from './ledger.js';
import { Outbox } from './outbox.js';
import { PendingQueue } from './pending.js';
import { RateGate } from './rate.js';
import { Congestion } from './congestion.js';
import { Timing } from './timing.js';
import { Twins } from './twins.js';
import { Timeouts } from './timeouts.js';
import { PhaseClock } from './phase-clock.js';
import { Walk } from './walk.js';
import { Window } from './window.js';
import type { EngineHooks, EngineOptions } from './engine-options.js';

/** Attempts started per loop turn at most (see fillLoop). */
const LAUNCH_BURST = 16;
/** Positions looked at per loop turn at most, held back or launched. */
const LOOK_LIMIT = 256;
/** A probe that keeps hitting local resource errors is given up as `error` after this many tries. */
const MAX_LOCAL_RETRIES = 200;
/** A self-connect is retried this many times (a new source port each time). */
const MAX_SELF_RETRIES = 16;

export class Engine {
  private readonly spec: WorkerScanSpec;
  private readonly walk: Walk;
  private readonly backend: ProbeBackend;
  private readonly rate: RateGate | null;
  private readonly window: Window;
  private readonly timing: Timing;
  private readonly congestion: Congestion;
  /** --banners: open ports are read before they are decided. */
  private readonly banners: BannerStage | null;
  private readonly expiry: Expiry;
  private readonly pending = new PendingQueue();
  private readonly outbox: Outbox;
  private readonly hooks: EngineHooks;
  private readonly chunks: ChunkSet;
  private readonly twins: Twins;
  private readonly timeouts: Timeouts;
  private readonly late: LateListen;
  private readonly routes = new RouteFailures();
  private inflight = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private pumping = false;
  private checkQueued = false;
  private readonly clock = new PhaseClock();

  constructor(spec: WorkerScanSpec, opts: EngineOptions = {}) {
    this.spec = spec;
    const complete = (a: AttemptHandle, status: number, self: boolean, kept?: KeptConnection, atOnce?: boolean) => this.onComplete(a as Attempt, status, self, atOnce === true, kept);
    this.backend = (opts.backend ?? createBackend)(spec.engine, complete, spec.sourceAddress ?? null, (n) => this.window.maySpare(this.inflight, n));
    this.rate = spec.rate ? new RateGate(spec.rate) : null;
    this.window = new Window(spec.window, spec.slots, spec.concurrency);
    this.expiry = new Expiry(this.backend, () => this.window.giveSlot(), () => this.queueCheck());
    const table = new HostTable(spec.hosts, spec.timing.hosts);
    const toCoordMs = performance.timeOrigin - spec.originMs;
    this.timing = new Timing(table, spec.timing, toCoordMs);
    this.congestion = new Congestion(table, spec.timing.window, toCoordMs, this.timing.stats);
    this.walk = new Walk(spec, this.timing);
    this.late = new LateListen(spec.lateBudget, spec.timing.maxMs, this.timing, this.congestion, this.expiry, (a) => this.leaveWindow(a));
    this.twins = new Twins(this.pending, this.timing, (a) => this.drop(a));
    this.timeouts = new Timeouts(this.expiry, this.timing, this.congestion, this.late, this.twins, this.pending, (a) => this.release(a, false), (a, state, reason, at) => this.decide(a, state, reason, at));
    this.outbox = new Outbox(() => this.backend.name, (n) => this.window.posted(n), () => this.timing.stats.take());
    this.chunks = new ChunkSet(this.outbox);
    this.hooks = opts.hooks ?? {};
    this.banners = spec.banners && opts.bannerStage ? opts.bannerStage({ ...spec.banners, localAddress: spec.sourceAddress, timeLeft: (a) => this.timing.clock.timeLeft(a.target, performance.now()), hostCut: (a) => this.timing.clock.giveUp(a.target) }, (a, rtt, info) => this.grabbed(a, rtt, info)) : null;
    if (spec.banners && !this.banners) throw new Error('--banners needs EngineOptions.bannerStage');
  }

  /** Run one chunk to completion (or until stopped); resolves when its last record was posted. */
  run(task: ChunkTask): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const hostOf = this.spec.hostCounts ? (k: number): number => this.walk.hostIndexOf(this.walk.indexOf(chunk, k)) : null;
      const chunk: ChunkLedger = new ChunkLedger(task, resolve, hostOf);
      task.port.on('message', (msg: CoordinatorMessage) => {
        if (msg.t === 'stop') this.stopChunk(chunk);
      });
      this.chunks.add(chunk);
      this.pump();
      this.maybeFinish(chunk);
    });
  }

  /** Post every running chunk's records now. */
  readonly flush = (): void => this.chunks.flush();

  // ---- starting attempts -------------------------------------------------

  /** Start what the windows allow; `outsidePoll`: called from the check phase or a timer, not from libuv's poll phase (backends/handle.ts: spare sockets). */
  private pump(outsidePoll = false): void {
    if (this.pumping) return;
    this.pumping = true;
    this.backend.outsidePoll = outsidePoll;
    try {
      if (this.expiry.closingCount > 0 && this.expiry.drain()) return this.queueCheck(); // still closing: nothing new this turn (the fds are not free yet)
      this.fillLoop();
      const queued = this.pending.length > 0 || this.chunks.next() !== undefined;
      this.window.setHungry(queued);
      // Everything we hold is in flight and there is room: ask for the next chunk now, not when records come back (silent targets send none for a whole timeout).
      if (!queued && this.inflight + this.late.count > 0 && this.window.hasRoom(this.inflight)) this.chunks.askForMore();
      // Held to our share with work waiting: other workers' slots may free up or they may run dry, and nothing else would wake us (silent targets answer only at deadlines).
      if (queued && this.window.atLimit(this.inflight)) this.pumpIn(2);
    } finally {
      this.pumping = false;
    }
  }

  private fillLoop(): void {
    let launched = 0;
    // Positions looked at this turn (launched or held back): a held retry comes due again while looping; unbounded, no end.
    let looked = 0;
    // Back-pressure and the scan's window change slowly: read once a turn (shared cells every worker writes cost a
    // cache miss per read), and the scan's window again per launch only while it limits.
    if (this.window.held()) return this.pumpIn(2);
    const scanLimited = this.congestion.scanLimited();
    while (this.window.hasRoom(this.inflight)) {
      const now = performance.now();
      if (launched === LAUNCH_BURST || ++looked > LOOK_LIMIT || (launched % 8 === 7 && this.expiry.headDue(now))) {
        // Let the loop turn: a refill of a whole window takes ~15 ms, and deadlines
        // falling due meanwhile are decided on time by the check phase, which fills on.
        this.queueCheck();
        return;
      }
      const backoff = this.window.backoffLeft(now);
      if (backoff > 0) return this.pumpIn(backoff);
      // The scan's window is full (answers, ours or other workers', open it), or its pacing says later.
      const scanWait = scanLimited ? this.congestion.scanWait(now, this.inflight) : 0;
      if (scanWait > 0) return this.pumpIn(scanWait);
      // Retries and held-back positions first, oldest first.
      const retry = this.pending.length > 0 ? this.pending.takeReady(now) : null;
      if (!this.twins.wanted(retry)) {
        this.maybeFinish(retry!.chunk);
        continue;
      }
      const chunk = retry?.chunk ?? this.chunks.next();
      if (!chunk) {
        if (this.pending.length > 0) this.pumpIn(Math.max(0.5, this.pending.earliest() - now));
        return;
      }
      const k = retry ? retry.k : chunk.nextK;
      const index = this.walk.indexOf(chunk, k);
      const target = this.walk.aim(index);
      if (this.timing.clock.givenUp(target, now)) {
        // --host-timeout: the host is given up; its remaining positions are decided without a probe (a second copy's by its first).
        if (retry?.twinOf) continue;
        if (!retry) chunk.advance();
        this.settle(chunk, k, target.index, this.walk.portOf(index, target), 'error', 'host-timeout', 0, now);
        continue;
      }
      // This host's window is full, or its pacing or --host-rate says later: hold the position back, go on with others.
      const hostWait = this.congestion.hostWait(target.cell, now);
      if (hostWait > 0) {
        if (this.pending.hold(chunk, k, retry, this.timing.clock.heldUntil(target, now + hostWait))) continue;
        return this.pumpIn(hostWait);
      }
      if (this.rate) {
        const wait = this.rate.acquire(target.index);
        if (wait < 0 && this.pending.hold(chunk, k, retry, this.timing.clock.heldUntil(target, now - wait))) continue;
        if (wait !== 0) {
          if (retry) this.pending.unshift(retry);
          return this.pumpIn(Math.abs(wait));
        }
      }
      if (!this.window.takeSlot()) {
        // The pool-wide window is full. Our own answers will call pump(); with none in flight, look again shortly.
        if (retry) this.pending.unshift(retry);
        if (this.inflight === 0) this.pumpIn(1);
        return;
      }
      if (!retry) chunk.advance();
      const a = this.launch(chunk, k, index, target, now, retry);
      launched++;
      this.twins.started(retry, a);
    }
  }

  /** Start an attempt at a position: its first try, or the `retry` taken from the pending queue. */
  private launch(chunk: ChunkLedger, k: number, index: number, target: Target, now: number, retry: Pending | null): Attempt {
    const own = this.walk.portOf(index, target);
    const ping = retry?.history.ping === true;
    const live = ping ? this.timing.livePort(target) : -1; // a ping goes to the port its host last answered on
    const attempt = new Attempt(chunk, k, target, live >= 0 ? live : own, now, this.timing.attemptTimeout(target, now), this.timing.startHistory(target, retry?.history ?? FIRST_TRY));
    if (ping) attempt.pinged(own, live >= 0, retry.heldPing === true);
    attempt.keep = this.banners !== null && !attempt.live;
    attempt.retryOut = retry?.retryOut === true;
    this.twins.starting(retry, attempt);
    attempt.counted = this.congestion.launched(target.cell, target.index, now);
    if (this.timing.unmeasured || this.timing.unsettled(target.cell)) this.expiry.unmeasured(attempt);
    this.inflight++;
    chunk.inflight++;
    this.expiry.heap.push(attempt);
    const err = this.backend.start(attempt);
    // Arm for the earliest deadline, not this one: after an expiry the timer is down while older attempts may still wait.
    if (err === 0) this.expiry.arm(this.checkQueued);
    else this.onComplete(attempt, err, false, true);
    return attempt;
  }

  /**
   * Queue this loop turn's check-phase work, once: decide what is due, re-arm the timer, top the window up. The
   * deadline timer, answers and long refills all come here, after the poll phase has delivered this turn's answers.
   * On loopback most connects are answered inside connect(), so topping up once per turn keeps about one burst of
   * live sockets instead of a whole window: 65,535 loopback ports took 0.97 s at 256 per worker and 0.87 s at 32.
   */
  private queueCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    setImmediate(this.checkPhase);
  }

  private readonly checkPhase = (): void => {
    this.checkQueued = false;
    this.expiry.retime(this.timing);
    // Only deadlines up to the poll phase's start: an answer that came while a long poll phase ran is unread yet.
    this.timeouts.decideDue(this.clock.polledAt || performance.now());
    this.clock.reset();
    this.expiry.arm(false);
    this.pump(true);
  };

  private pumpIn(ms: number): void {
    this.pumpTimer ??= setTimeout(() => {
      this.pumpTimer = null;
      this.pump(true);
    }, Math.max(1, Math.ceil(ms)));
  }

  // ---- answers -----------------------------------------------------------

  private onComplete(a: Attempt, status: number, self: boolean, atOnce: boolean, kept?: KeptConnection): void {
    if (a.done) return;
    const at = this.clock.answerAt(a.sentAt, atOnce);
    const rtt = at - a.sentAt;
    const passed = a.twin !== null && this.twins.ended(a, status === 0 ? !self : classifyErrno(errnoName(status), atOnce).kind !== 'local');
    this.release(a);
    if (passed) {
      // A copy of a retry sent twice failed without an answer: the other copy carries the position.
    } else if (a.live && this.liveAnswered(a, status, self, atOnce, at)) {
      // The host answered a ping to its live port: the host's answer, not the position's (outage.ts).
    } else if (status === 0 && self) {
      // Connected to itself (the kernel chose the target port as our source port): no listener answered; again from another.
      a.chunk.event('self-connect');
      if (a.history.selfTries + 1 >= MAX_SELF_RETRIES) this.decide(a, 'error', 'self-connect', performance.now());
      else this.pending.unshift(nextTry(a, 'selfTries'));
    } else if (status === 0) {
      this.answered(a, at, true, true);
      if (kept && this.banners) {
        // Open: decided once the banner stage has read it (the window moves on now).
        a.chunk.grabbing++;
        this.banners.add(a, kept(), rtt);
      } else this.decide(a, 'open', 'syn-ack', at, undefined, rtt);
    } else {
      const name = errnoName(status);
      const verdict = classifyErrno(name, atOnce);
      if (verdict.kind === 'local') this.localError(a, name);
      // No route to a host that answered: our routes changed, a local failure; after the host's other ports, later (route-failures.ts).
      else if (verdict.kind === 'no-route' && verdict.heldHere !== true && this.timing.heardFrom(a.target) && !this.routes.failed(a.target.index, a.history.localTries > 0, performance.now())) this.localError(a, name, this.timing.timeoutMs(a.target.cell));
      else if (verdict.kind === 'no-route') {
        // Nothing left this machine: no port state, but an error the summary names.
        a.chunk.event('no-route');
        a.chunk.noRoute(a.target.index);
        this.decide(a, 'error', name, performance.now());
      } else {
        // A reset or ICMP error: an answer (unless connect() failed: nothing sent); reset after a handshake: tcpwrapped.
        if (!atOnce) this.answered(a, at, verdict.state === 'open', verdict.state !== 'filtered');
        this.decide(a, verdict.state, name, at, verdict.state === 'open' && this.banners !== null ? { ...TCPWRAPPED } : undefined, rtt);
      }
    }
    if (!this.pumping) this.queueCheck();
  }

  /** Something answered (`handshake`: a SYN-ACK, timing.ts; `tcp`: or a reset): an RTT sample, evidence for retries, and for the windows delivery or loss. */
  private answered(a: Attempt, now: number, handshake: boolean, tcp: boolean): void {
    // A ping's answer (outage.ts) is another port's: counted as a retry's, it said retries get answers (a 'twin'); it grows no window.
    this.timing.hostAnswered(a.target, a.live ? 0 : a.history.tries, now - a.sentAt, now, a.late, handshake, tcp ? a.port : -1);
    this.routes.answered(a.target.index, a.start);
    if (a.late) return; // it left the windows, and the scan's delivery rate counted it, at its timeout (late.ts)
    if (a.live || a.history.tries === 0 || !this.timing.retryAnswerIsLoss(a.target, a.history)) this.congestion.delivered(a.target.cell, now, now - a.sentAt, a.history.tries === 0 && !a.live);
    else this.congestion.lost(a.target.cell, a.target.index, now, now - a.sentAt, a.history);
  }

  /**
   * A ping to its host's live port ended (outage.ts): an answer, in time or not, is the host's, which ends its
   * silence, and the position is judged again as the timed-out try it was (held through an outage: one more try;
   * else decided). False when it is not an answer (a failure of this machine's: handled as any try's).
   */
  private liveAnswered(a: Attempt, status: number, self: boolean, atOnce: boolean, at: number): boolean {
    const verdict = status === 0 ? null : classifyErrno(errnoName(status), atOnce);
    if (self || (verdict !== null && (verdict.kind !== 'state' || verdict.state === 'error'))) return false;
    if (atOnce) {
      this.localError(a, errnoName(status)); // refused inside connect(): nothing was sent
      return true;
    }
    this.answered(a, at, status === 0, verdict?.state !== 'filtered');
    this.timeouts.judgeAgain(a);
    return true;
  }

  /** The scanner ran out of something: shrink the window, back off, retry the position (first in line, or after `laterMs`). */
  private localError(a: Attempt, code: string, laterMs = 0): void {
    a.chunk.event(code);
    if (a.history.localTries + 1 >= MAX_LOCAL_RETRIES) return this.decide(a, 'error', code, performance.now());
    this.window.onLocalError(this.inflight, performance.now());
    if (laterMs > 0) this.pending.push({ ...nextTry(a, 'localTries'), readyAt: performance.now() + laterMs });
    else this.pending.unshift(nextTry(a, 'localTries'));
  }

  /** End an attempt that has no result now, closing its socket. */
  private drop(a: Attempt): void {
    this.backend.abort(a); // before release(), which drops the handle
    this.release(a);
  }

  /** The attempt is over. Its pool slot is freed now, or, for a timed-out attempt whose socket is still open, when Expiry.drain() closes it. */
  private release(a: Attempt, freeSlot = true): void {
    a.done = true;
    if (a.retryOut) this.timing.retryResolved(a.target.cell);
    this.expiry.forget(a);
    a.chunk.inflight--;
    if (freeSlot) a.handle = null; // the socket wrapper (and native handle) may be collected now
    if (a.late) return this.late.ended(); // its slot and window counts went back at its timeout (leaveWindow)
    this.leaveWindow(a, freeSlot);
  }

  /** The attempt leaves the windows (and gives its slot back, or its socket's close will): released, or listening late. */
  private leaveWindow(a: Attempt, freeSlot = true): void {
    this.congestion.landed(a.target.cell, a.counted);
    if (freeSlot) this.window.giveSlot();
    this.inflight--;
  }

  private decide(a: Attempt, state: PortState, reason: string, now: number, service?: ServiceInfo, rttMs = now - a.start): void {
    this.settle(a.chunk, a.k, a.target.index, a.ownPort, state, reason, rttMs, now, service);
  }

  /** The banner stage is done with an open port: decide it with what was found (null: its chunk stopped). */
  private grabbed(a: Attempt, rttMs: number, info: ServiceInfo | null): void {
    a.chunk.grabbing--;
    if (info === null || a.chunk.stopped) this.maybeFinish(a.chunk);
    else this.decide(a, 'open', 'syn-ack', performance.now(), info, rttMs);
  }

  /** A position is decided: count it, record it (if its state is reported), post, maybe finish the chunk; after a stop nothing is (the chunk's last message lists what was). */
  private settle(chunk: ChunkLedger, k: number, hostIndex: number, port: number, state: PortState, reason: string, rttMs: number, now: number, service?: ServiceInfo): void {
    this.window.onDecided();
    if (chunk.stopped) return this.maybeFinish(chunk);
    chunk.decide(k, state, reason);
    if (this.spec.emit[state]) chunk.record(k, hostIndex, port, state, reason, rttMs, now, service);
    this.hooks.decided?.(chunk, this.flush);
    this.outbox.maybePost(chunk);
    this.maybeFinish(chunk);
  }

  // ---- stopping and finishing --------------------------------------------

  private stopChunk(chunk: ChunkLedger): void {
    if (chunk.stopped || chunk.finished) return;
    for (const { attempt: a, info, rttMs } of this.banners?.abort((x) => x.chunk === chunk) ?? []) chunk.reportCut(a.k, a.target.index, a.port, rttMs, info, this.spec.emit.open); // results found, left undecided
    chunk.stopped = true;
    for (const a of this.expiry.heap.snapshot()) if (a.chunk === chunk) this.drop(a); // in flight: abandoned, not results
    this.pending.drop(chunk);
    this.expiry.dropDeferred(chunk);
    this.maybeFinish(chunk);
    this.pump();
  }

  private maybeFinish(chunk: ChunkLedger): void {
    if (chunk.finished || !chunk.exhausted || chunk.inflight > 0 || chunk.grabbing > 0 || chunk.waiting > 0 || (!chunk.stopped && this.pending.has(chunk))) return;
    if (this.chunks.finish(chunk)) {
      this.backend.idle?.(); // no chunk left: no spare socket to keep
      if (this.pumpTimer !== null) clearTimeout(this.pumpTimer); // nor a --rate wait (1/rate s) to keep the process alive
      this.pumpTimer = null;
      while (this.expiry.drain());
      this.window.setHungry(false);
      if (this.expiry.heap.size === 0) this.expiry.disarm();
      else this.expiry.arm(this.checkQueued);
    }
    chunk.resolve(chunk.stopped);
  }
}
