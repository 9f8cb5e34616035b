/**
 * The coordinator: hands chunks of this machine's shard to a ChunkRunner (the
 * Piscina pool) a few at a time, merges what the workers send back, and keeps
 * the per-chunk cursors that checkpoints and crash re-runs rely on. It never
 * prints; records and checkpoints go to the caller's sink, in an order that
 * keeps a checkpoint from ever claiming a record the sink has not taken.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import type { CheckpointState } from '../model/checkpoint.js';
import type { StateReasons } from '../model/reasons.js';
import type { ScanSink } from '../model/sink.js';
import { type StateCounts, addCounts, addEvents, countEvent, diffCounts, emptyCounts, eventTotal, totalOf } from '../model/states.js';
import { type NoRoute, type ProgressSnapshot, type ScanSummary, type StopReason, endedAs } from '../model/summary.js';
import { coveringPrefix } from '../targets/ip.js';
import { ShardscanError, messageOf } from '../errors.js';
import type { PreparedScan } from '../prepare.js';
import { chunkBounds } from '../shard/plan.js';
import type { ChunkProgress, ChunkTask, WorkerMessage, WorkerScanSpec } from '../wire/messages.js';
import type { WireBatch } from '../wire/records.js';
import { RecordDecoder } from './decode.js';
import { HostCounts } from './host-counts.js';
import { type ChunkRun, testAndSet } from './chunk-run.js';
import { type ChunkStart, ScanLedger, checkpointSound, lastCheckpoint } from './ledger.js';
import { type ChunkRunner, deathCounter, poolTasksPerWorker } from './runner.js';
import { buildSpec } from './spec.js';
import { pollMark } from '../wire/poll-phase.js';
import { SharedSlots } from '../wire/slots.js';
import { TimingTotals } from '../wire/timing.js';

/** How often the sink is offered a checkpoint. */
export const CHECKPOINT_MS = 1000;
/** A chunk whose worker dies this many times fails the scan (a bug, not bad luck). */
export const MAX_CHUNK_ATTEMPTS = 4;
/** After a stop, workers get this long to hand back what they found (Ctrl+C must end within 500 ms). */
export const STOP_GRACE_MS = 300;

export interface RunOptions {
  /** Stops the scan (Ctrl+C): in-flight attempts are dropped, everything decided is kept. */
  signal?: AbortSignal;
  /** Continue from a checkpoint. */
  resume?: CheckpointState;
  /** Where chunks run: the Piscina pool (pool.ts) or the main thread (in-process.ts). */
  runner: ChunkRunner;
  /** Destroy the runner when the scan ends (it was made for this scan alone). */
  ownRunner?: boolean;
  /** Keep per-host state counts (text, grep and xml reports); dropped for very large scans. */
  hostCounts?: boolean;
  /** When --max-time began to count (performance.now()); by default when run() starts. A resume counts from its command (reading a large directory back took seconds). */
  timeFrom?: number;
}

export class Coordinator {
  private readonly prep: PreparedScan;
  private readonly sink: ScanSink;
  private readonly opts: RunOptions;
  private readonly runner: ChunkRunner;
  private readonly newDeaths: () => number;
  private readonly ownRunner: boolean;
  private readonly spec: WorkerScanSpec;
  private readonly slots: SharedSlots; // back-pressure to the workers, and how long they were held for the reader
  private readonly maxActive: number;
  private readonly active = new Map<number, ChunkRun>();
  private readonly ledger: ScanLedger;
  private readonly decoder: RecordDecoder;
  private stopping: StopReason | null = null;
  /** run() is under way (a resume's replay is over), and whether the stop came then. */
  private running = false;
  private stoppedWhileRunning = false;
  private failure: unknown = null;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private lastCheckpoint = 0;
  private finish: (() => void) | null = null;
  private readonly perHost: HostCounts | null;
  private engineUsed: string | null = null;
  /** Every worker's timing statistics, added up: the summary's percentiles, and --metrics' histograms. */
  readonly timing = new TimingTotals();
  /** Lowest and highest host index with no route, or null. */
  private noRouteHosts: [number, number] | null = null;

  constructor(prep: PreparedScan, sink: ScanSink, opts: RunOptions) {
    this.prep = prep;
    this.sink = sink;
    this.opts = opts;
    const { config } = prep;
    this.ledger = new ScanLedger(prep.plan, opts.resume);
    this.perHost = opts.hostCounts ? HostCounts.create(prep.targets, prep.ports.count) : null;
    this.ownRunner = opts.ownRunner === true;
    this.runner = opts.runner;
    this.newDeaths = deathCounter(this.runner);
    this.spec = buildSpec(prep, this.perHost !== null, this.runner.threads);
    this.slots = new SharedSlots(this.spec.slots);
    // Each worker holds enough chunks to fill the whole window (it may borrow the others' shares), in the small tail chunks.
    this.maxActive = config.workers * poolTasksPerWorker(config.concurrency, prep.plan.tailChunkSize) + 1;
    this.decoder = new RecordDecoder(prep.targets);
  }

  /** Per-host counts of every state, or null when they are not kept (or incomplete after a resume). */
  hostCounts(host: string): StateCounts | null {
    return this.perHost && !this.opts.resume ? this.perHost.get(host) : null;
  }

  /** The host's counts by state and reason (xml's extrareasons), or null where hostCounts is or the reasons are not known. */
  hostReasons(host: string): StateReasons | null {
    return this.perHost && !this.opts.resume ? this.perHost.reasonsOf(host) : null;
  }

  /** Whether --host-timeout gave up on the host; null where not known (no per-host counts, or a resume's earlier runs). */
  hostGivenUp(host: string): boolean | null {
    return this.perHost?.givenUp(host, this.spec.hosts) ? true : this.perHost === null || this.opts.resume ? null : false;
  }

  /** Run to the end (or until stopped) and summarise. */
  async run(): Promise<ScanSummary> {
    const onAbort = (): void => this.stop('signal');
    if (this.opts.signal?.aborted) this.stop('signal');
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    const limit = this.prep.config.maxTimeSec;
    const now = performance.now();
    const left = limit ? limit * 1000 - (now - (this.opts.timeFrom ?? now)) : null;
    // Spent already (a resume that read its directory back for longer): no probe starts.
    if (left !== null && left <= 0) this.stop('time-limit');
    const timeLimit = left !== null && left > 0 ? setTimeout(() => this.stop('time-limit'), left) : null;
    this.running = true;
    // A checkpoint at once (a kill in the first second resumes from a known state), then every CHECKPOINT_MS.
    this.maybeCheckpoint(true);
    const ticker = setInterval(() => this.maybeCheckpoint(false), CHECKPOINT_MS / 4);
    try {
      await new Promise<void>((resolve) => {
        this.finish = resolve;
        this.dispatch();
      });
    } finally {
      clearInterval(ticker);
      if (timeLimit) clearTimeout(timeLimit);
      this.opts.signal?.removeEventListener('abort', onAbort);
      if (this.ownRunner) await this.runner.destroy();
    }
    if (checkpointSound(this.failure)) this.maybeCheckpoint(true);
    if (this.failure !== null) throw this.failure;
    return this.summary();
  }

  /** Stop starting chunks and ask the workers to wind down; decided results are kept. */
  stop(reason: StopReason): void {
    if (this.stopping) return;
    this.stoppedWhileRunning = this.running;
    this.stopping = reason;
    this.stopWorkers();
    this.settleIfIdle();
  }

  private redispatchQueued = false;
  private readonly redispatch = (): void => {
    if (this.redispatchQueued) return;
    this.redispatchQueued = true;
    setImmediate(() => {
      this.redispatchQueued = false;
      this.dispatch();
    });
  };

  /** Resume dispatching after the sink caught up. */
  poke(): void {
    this.slots.hold(false);
    this.dispatch();
  }

  progress(): ProgressSnapshot {
    const counts = this.decidedCounts();
    const { held, givenUp } = this.timing.holds();
    const outputWaitMs = this.slots.heldForMs();
    return { done: totalOf(counts), total: this.prep.plan.positions, open: counts.open, elapsedMs: performance.now() - this.t0, events: eventTotal(this.ledger.events), ...(held > 0 ? { held } : {}), ...(givenUp > 0 ? { hostsGivenUp: givenUp } : {}), ...(outputWaitMs > 0 ? { outputWaitMs } : {}) };
  }

  /** Everything decided so far: committed, plus what stopped or running chunks decided above their watermarks. */
  private decidedCounts(): StateCounts {
    const all = addCounts(addCounts(emptyCounts(), this.ledger.counts), this.ledger.uncommitted);
    for (const run of this.active.values()) addCounts(all, diffCounts(run.decidedCounts, run.committed)).open += run.cutOpen;
    return all;
  }

  /** Connects in flight in every worker together, now (read-only, for --metrics). */
  inFlight(): number {
    return this.slots.inflight();
  }

  /** The targets this machine has no route to so far, or null. */
  noRoute(): NoRoute | null {
    const r = this.noRouteHosts;
    if (r === null) return null;
    return { probes: this.ledger.events['no-route'] ?? 0, prefix: coveringPrefix(this.prep.targets.at(r[0]), this.prep.targets.at(r[1])) };
  }

  summary(): ScanSummary {
    const { config, plan } = this.prep;
    const counts = this.decidedCounts();
    const done = totalOf(counts);
    const cut = this.ledger.cutReads(this.active.values());
    const elapsedMs = performance.now() - this.t0;
    // Every position decided though a stop came is complete (a banner read the stop cut is not decided: workers/loop.ts); not after a stop during a resume's replay (its report is cut), nor when a reader went away.
    const complete = this.failure === null && this.ledger.complete && (this.stopping === null || (this.stoppedWhileRunning && this.stopping !== 'output-closed'));
    const body = {
      scanKey: this.prep.scanKey,
      seed: config.seed,
      order: config.order,
      shard: { ...config.shard },
      hosts: this.prep.targets.count,
      ports: this.prep.ports.count,
      probes: plan.positions,
      done,
      ...(cut > 0 ? { bannerReadsCut: cut } : {}),
      ...(this.ledger.resumedDone > 0 ? { resumedDone: this.ledger.resumedDone } : {}),
      counts,
      events: { ...this.ledger.events },
      engine: this.engineUsed ?? config.engine,
      workers: config.workers,
      workerThreads: this.runner.threads,
      concurrency: config.concurrency,
      startedAt: this.startedAt.toISOString(),
      elapsedMs: Math.round(elapsedMs),
      rate: Math.round(((done - this.ledger.resumedDone) / Math.max(elapsedMs, 1)) * 1000),
      timing: this.timing.summary(),
      ...(this.noRouteHosts ? { noRoute: this.noRoute()! } : {}),
    };
    return endedAs(body, complete ? null : this.failure !== null ? 'error' : (this.stopping ?? 'signal'));
  }

  checkpointState(): CheckpointState {
    return this.ledger.checkpoint([...this.active.values()].map((r) => ({ id: r.bounds.id, fromK: r.watermark, skip: r.skip })));
  }

  // ---- dispatch ----------------------------------------------------------

  /**
   * Start chunks while the workers may need them. Piscina places a chunk on a worker when it is handed over, so
   * chunks handed out long before they are needed cannot move to a worker that runs dry: with 16,384 connects
   * allowed all 51 chunks of a 65,535-port scan went out at once, and one worker idled while the other finished
   * its share (+15 % on loopback). So beyond a chunk per worker, more go out only while the positions not yet
   * decided in running chunks are fewer than the attempts in flight need (four times what is in flight now, at
   * least two chunks a worker); a wide window on a slow network pulls more as it fills.
   */
  private dispatch(): void {
    while (!this.stopping && this.failure === null && this.active.size < this.maxActive && !this.sink.paused?.()) {
      if (this.active.size > this.prep.config.workers && this.undecided() >= this.positionBudget()) break;
      const next = this.ledger.takeNext();
      if (!next) break;
      this.start(next, 0);
    }
    this.settleIfIdle();
  }

  /** Positions of running chunks not decided yet: above each watermark, less those decided there (counted from the watermark alone, one straggler held every decided position after it: behind firewalls over a lossy path the budget read full and the workers ran out of chunks, lab fwdeep). */
  private undecided(): number {
    return [...this.active.values()].reduce((n, r) => n + r.bounds.count - r.watermark - totalOf(r.decidedCounts) + totalOf(r.committed), 0);
  }

  private positionBudget(): number {
    return Math.max(2 * this.prep.config.workers * this.prep.plan.chunkSize, 4 * this.slots.inflight());
  }

  private start({ id, fromK, skip }: ChunkStart, attempt: number, inherited: Uint8Array | null = null): void {
    const bounds = chunkBounds(this.prep.plan, id);
    const emitted = inherited ?? new Uint8Array((bounds.count + 7) >> 3);
    const { port1, port2 } = new MessageChannel();
    const run: ChunkRun = { bounds, attempt, watermark: fromK, committed: emptyCounts(), decidedCounts: emptyCounts(), cutOpen: 0, emitted, port: port1, gotDone: false, skip, above: null };
    this.active.set(id, run);
    port1.on('message', (msg: WorkerMessage) => this.onMessage(run, msg, true));
    const task: ChunkTask = { spec: this.spec, chunkId: id, attempt, start: bounds.start, stride: bounds.stride, count: bounds.count, fromK, skip, port: port2 };
    this.runner.run(task).then(() => this.onSettled(run, null), (err: unknown) => this.onSettled(run, err ?? new Error('worker failed')));
  }

  // ---- results -----------------------------------------------------------

  private onMessage(run: ChunkRun, msg: WorkerMessage, polled = false): void {
    if (polled) pollMark(); // a port's event, in a poll phase: an engine on this thread gets its answers after it (not drain())
    if (this.active.get(run.bounds.id) !== run || run.gotDone) return;
    if (msg.t === 'hungry') {
      // In-flight attempts count in the budget (positionBudget): look again.
      if (this.active.size < this.maxActive) queueMicrotask(this.redispatch);
      return;
    }
    try {
      this.accept(run, msg.records, msg.progress);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (msg.t === 'done') {
      // The backend a worker really used (handle falls back to socket without tcp_wrap).
      this.engineUsed = msg.engine;
      run.gotDone = true;
    }
  }

  /** Pass records on (minus any a crashed run already passed on), then advance the cursor. */
  private accept(run: ChunkRun, batch: WireBatch, progress: ChunkProgress): void {
    // What was decided is reported even if the sink fails below; only the committed cursor (what checkpoints claim) waits for the sink.
    const decided = totalOf(progress.decidedCounts) > totalOf(run.decidedCounts);
    run.decidedCounts = progress.decidedCounts;
    run.cutOpen = progress.cutOpen;
    if (batch.n > 0) {
      this.slots.taken(batch.n);
      const records = this.decoder.decode(batch, (k) => !testAndSet(run.emitted, k));
      if (records.length > 0) this.sink.records(records);
      // The reader is behind: hold the workers until it drains (poke()).
      if (this.sink.paused?.()) this.slots.hold(true);
    }
    this.ledger.commit(run.committed, progress.committed);
    run.committed = progress.committed;
    if (progress.above) run.above = progress.above;
    if (progress.watermark > run.watermark) run.watermark = progress.watermark;
    // Decided positions free budget for the next chunk, above the watermark too (see dispatch, undecided).
    if (decided && this.active.size < this.maxActive) queueMicrotask(this.redispatch);
    addEvents(this.ledger.events, progress.events);
    if (progress.hostCounts) this.perHost?.add(progress.hostCounts);
    if (progress.timing) this.timing.add(progress.timing);
    if (progress.noRoute) {
      const [lo, hi] = progress.noRoute;
      const r = (this.noRouteHosts ??= [lo, hi]);
      r[0] = Math.min(r[0], lo);
      r[1] = Math.max(r[1], hi);
    }
  }

  private onSettled(run: ChunkRun, err: unknown): void {
    if (this.active.get(run.bounds.id) !== run) return;
    // The task's result and our channel are separate ports: pull what the worker posted before it finished (or died), all it found.
    this.drain(run);
    const id = run.bounds.id;
    // One 'worker-crash' a thread death (not a chunk it held: one read 3-45), also on a stop, not to go unnoticed.
    const deaths = err === null ? 0 : this.newDeaths();
    if (deaths > 0) countEvent(this.ledger.events, 'worker-crash', deaths);
    if (run.gotDone && err === null && run.watermark >= run.bounds.count) {
      this.ledger.markComplete(id);
    } else if ((run.gotDone && err === null) || this.stopping || this.failure !== null) {
      this.ledger.setAside(run);
    } else if (run.attempt + 1 >= MAX_CHUNK_ATTEMPTS || err instanceof ShardscanError) {
      // The runner's own errors (no worker thread left) fail the scan at once: a re-run would fail the same way.
      this.fail(err instanceof ShardscanError ? err : new ShardscanError('E_WORKER', `chunk ${id} failed ${MAX_CHUNK_ATTEMPTS} times; last error: ${messageOf(err ?? 'no result')}`));
      this.ledger.setAside(run);
    } else {
      countEvent(this.ledger.events, 'chunk-rerun');
      // Re-run on whichever worker is free, from the last offset known done; records already passed on above it are remembered and not repeated.
      this.start({ id, fromK: run.watermark, skip: run.skip }, run.attempt + 1, run.emitted);
    }
    this.dispatch();
  }

  /** Take the messages a run left on its port, and close it. */
  private drain(run: ChunkRun): void {
    for (let m = receiveMessageOnPort(run.port); m !== undefined; m = receiveMessageOnPort(run.port)) this.onMessage(run, m.message as WorkerMessage);
    run.port.close();
    this.active.delete(run.bounds.id);
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    // A full disk under the shard directory: one last checkpoint, in the room it kept (ledger.ts lastCheckpoint).
    if (err instanceof ShardscanError && err.checkpointable) lastCheckpoint(this.sink, () => this.checkpointState());
    this.failure = err;
    this.stopWorkers();
  }

  /** Ask every running chunk to wind down; a worker that does not answer within STOP_GRACE_MS is left behind (forceSettle), on a stop and on a failure alike. */
  private stopWorkers(): void {
    for (const run of this.active.values()) run.port.postMessage({ t: 'stop' });
    if (this.active.size > 0) setTimeout(() => this.forceSettle(), STOP_GRACE_MS).unref();
  }

  private settleIfIdle(): void {
    if (this.active.size > 0 || !this.finish) return;
    if (!this.stopping && this.failure === null && this.ledger.hasMore) return; // dispatch() goes on, or poke() once the sink caught up
    const done = this.finish;
    this.finish = null;
    done();
  }

  /** A worker that does not answer a stop in time: take what it sent and end without it. */
  private forceSettle(): void {
    for (const run of [...this.active.values()]) {
      this.drain(run);
      this.ledger.setAside(run);
    }
    this.settleIfIdle();
  }

  private maybeCheckpoint(force: boolean): void {
    const now = performance.now();
    if (!this.sink.checkpoint || !checkpointSound(this.failure) || (!force && now - this.lastCheckpoint < CHECKPOINT_MS)) return;
    this.lastCheckpoint = now;
    try {
      this.sink.checkpoint(this.checkpointState());
    } catch (err) {
      this.fail(err);
      this.settleIfIdle();
    }
  }
}
