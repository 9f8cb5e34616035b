/**
 * The coordinator: hands chunks of this machine's shard to the Piscina pool a
 * few at a time, merges what the workers send back, and keeps the per-chunk
 * cursors that checkpoints and crash re-runs rely on. It never prints; records
 * and checkpoints go to the caller's sink, in an order that keeps a checkpoint
 * from ever claiming a record the sink has not taken.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { ShardscanError, messageOf } from '../errors.js';
import type { PreparedScan } from '../prepare.js';
import { serviceName } from '../ports/services.js';
import { type ChunkBounds, chunkBounds } from '../shard/plan.js';
import {
  type ChunkProgress,
  type ChunkResult,
  type ChunkTask,
  type LocalEvents,
  type ProbeRecord,
  STATE_OF_CODE,
  type StateCounts,
  type WireRecord,
  type WorkerMessage,
  type WorkerScanSpec,
  addCounts,
  emptyCounts,
  totalOf,
} from '../types.js';
import { createRateShared } from '../../workers/rate.js';
import { HostCounts } from './host-counts.js';
import { createPool, poolTasksPerWorker } from './pool.js';

/** How often the sink is offered a checkpoint. */
export const CHECKPOINT_MS = 1000;
/** A chunk whose worker dies this many times fails the scan (a bug, not bad luck). */
export const MAX_CHUNK_ATTEMPTS = 4;
/** After a stop, workers get this long to hand back what they found (Ctrl+C must end within 500 ms). */
export const STOP_GRACE_MS = 300;

/** Where a scan stands: enough to continue it later (stored as checkpoint.json). */
export interface CheckpointState {
  chunkSize: number;
  chunks: number;
  /** Every chunk below this id is complete. */
  completedBelow: number;
  /** Complete chunks at or above completedBelow. */
  completed: number[];
  /** Chunks started but not complete: offsets below `watermark` are done. */
  partial: { id: number; watermark: number }[];
  /** States of every done position (complete chunks, and partial ones below their watermark). */
  counts: StateCounts;
  events: LocalEvents;
}

/** Receives the scan's output. Called synchronously, in order. */
export interface ScanSink {
  /** Records as they arrive. May throw (a full disk): the scan then stops and reports it. */
  records(batch: ProbeRecord[]): void;
  /** A checkpoint that covers only records already given to `records`. */
  checkpoint?(state: CheckpointState): void;
  /** True while the consumer is behind: no new chunks are started until it is false. */
  paused?(): boolean;
}

export type ScanStatus = 'complete' | 'interrupted';

export interface ScanSummary {
  status: ScanStatus;
  /** Why an interrupted scan stopped. */
  stopReason: 'signal' | 'time-limit' | 'output-closed' | 'error' | null;
  scanKey: string;
  seed: number;
  order: 'random' | 'serial';
  shard: { index: number; total: number };
  hosts: number;
  ports: number;
  /** Positions this machine's shard owns. */
  probes: number;
  /** Positions decided (by this run, plus those a resumed checkpoint already held). */
  done: number;
  counts: StateCounts;
  events: LocalEvents;
  engine: string;
  workers: number;
  concurrency: number;
  startedAt: string;
  elapsedMs: number;
  /** Decided positions per second of this run. */
  rate: number;
}

export interface ProgressSnapshot {
  done: number;
  total: number;
  open: number;
  elapsedMs: number;
  events: number;
}

export interface RunOptions {
  /** Stops the scan (Ctrl+C): in-flight attempts are dropped, everything decided is kept. */
  signal?: AbortSignal;
  /** Continue from a checkpoint. */
  resume?: CheckpointState;
  /** A pool created earlier (so workers boot while targets resolve). */
  pool?: Piscina;
  /** Keep per-host state counts (text and grep reports); dropped for very large scans. */
  hostCounts?: boolean;
  /** Test-only fault injection passed to the workers. */
  fault?: string | null;
}

interface ChunkRun {
  bounds: ChunkBounds;
  attempt: number;
  fromK: number;
  watermark: number;
  /** Committed counts of this attempt as last reported (to add only the change). */
  committed: StateCounts;
  /** Counts of everything this attempt decided, committed or not. */
  decidedCounts: StateCounts;
  decided: number;
  /** Offsets at or above the watermark whose records were already passed on. */
  emitted: Set<number>;
  port: MessagePort;
  gotDone: boolean;
}

export class Coordinator {
  private readonly prep: PreparedScan;
  private readonly sink: ScanSink;
  private readonly opts: RunOptions;
  private readonly pool: Piscina;
  private readonly ownPool: boolean;
  private readonly spec: WorkerScanSpec;
  private readonly maxActive: number;
  private readonly active = new Map<number, ChunkRun>();
  private nextChunk = 0;
  private completedBelow = 0;
  private readonly completed = new Set<number>();
  /** Chunks to (re)start before new ones: partial chunks of a checkpoint, stopped or crashed runs. */
  private readonly todo: { id: number; fromK: number }[] = [];
  /** Ids a checkpoint listed as partial: the sequential walk over new chunks must skip them. */
  private readonly resumedPartial = new Set<number>();
  /** States of committed positions (below the watermarks): what checkpoints count. */
  private readonly counts: StateCounts = emptyCounts();
  /** Decided above the watermark by runs that were stopped: reported, not checkpointed. */
  private readonly uncommitted: StateCounts = emptyCounts();
  private readonly events: LocalEvents = {};
  private resumedDone = 0;
  private stopping: ScanSummary['stopReason'] = null;
  private failure: unknown = null;
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private lastCheckpoint = 0;
  private finish: (() => void) | null = null;
  private readonly perHost: HostCounts | null;
  private engineUsed: string | null = null;

  constructor(prep: PreparedScan, sink: ScanSink, opts: RunOptions = {}) {
    this.prep = prep;
    this.sink = sink;
    this.opts = opts;
    const { config } = prep;
    // Each worker's fair share of the window; a worker alone with work may borrow
    // the rest (see WorkerScanSpec.inflight), so each holds enough chunks to fill
    // all of it, counted in the small tail chunks.
    const window = Math.max(1, Math.ceil(config.concurrency / config.workers));
    const tasksPerWorker = poolTasksPerWorker(config.concurrency, prep.plan.tailChunkSize);
    this.perHost = opts.hostCounts ? HostCounts.create(prep.targets) : null;
    this.ownPool = !opts.pool;
    this.pool = opts.pool ?? createPool(config.workers);
    this.maxActive = config.workers * tasksPerWorker + 1;
    this.spec = {
      specId: `${prep.scanKey}:${process.pid}:${Date.now()}`,
      targets: shareTargets(prep),
      ports: shareArray(prep.ports.ports),
      permutation: prep.perm ? { range: prep.range, seed: prep.perm.seed } : null,
      timeoutMs: config.timeoutMs,
      retries: config.retries,
      window,
      inflight: new SharedArrayBuffer(8),
      concurrency: config.concurrency,
      engine: config.engine,
      emit: {
        open: config.states.includes('open'),
        closed: config.states.includes('closed'),
        filtered: config.states.includes('filtered'),
        error: config.states.includes('error'),
      },
      rate: createRateShared(config.rate, config.hostRate),
      hostCounts: this.perHost !== null,
      fault: opts.fault ?? null,
    };
    if (opts.resume) this.loadCheckpoint(opts.resume);
  }

  /** Per-host counts of every state, or null when they are not kept (or incomplete after a resume). */
  hostCounts(host: string): StateCounts | null {
    return this.perHost && !this.opts.resume ? this.perHost.get(host) : null;
  }

  private loadCheckpoint(cp: CheckpointState): void {
    if (cp.chunkSize !== this.prep.plan.chunkSize || cp.chunks !== this.prep.plan.chunks) {
      throw new ShardscanError('E_RESUME', `checkpoint was made with ${cp.chunks} chunks of ${cp.chunkSize}, this scan plans ${this.prep.plan.chunks} of ${this.prep.plan.chunkSize}`);
    }
    this.completedBelow = cp.completedBelow;
    this.nextChunk = cp.completedBelow;
    for (const id of cp.completed) this.completed.add(id);
    addCounts(this.counts, cp.counts);
    for (const [k, v] of Object.entries(cp.events)) this.events[k] = v;
    this.resumedDone = totalOf(cp.counts);
    for (const p of [...cp.partial].sort((a, b) => a.id - b.id)) {
      this.todo.push({ id: p.id, fromK: p.watermark });
      this.resumedPartial.add(p.id);
    }
  }

  /** Run to the end (or until stopped) and summarise. */
  async run(): Promise<ScanSummary> {
    const onAbort = (): void => this.stop('signal');
    if (this.opts.signal?.aborted) this.stop('signal');
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    const limit = this.prep.config.maxTimeSec;
    const timeLimit = limit ? setTimeout(() => this.stop('time-limit'), limit * 1000) : null;
    // A checkpoint at once (a kill in the first second then resumes from a known
    // empty state), and at least every CHECKPOINT_MS after.
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
      if (this.ownPool) await this.pool.destroy();
    }
    if (this.failure === null) this.maybeCheckpoint(true);
    if (this.failure !== null) throw this.failure;
    return this.summary();
  }

  /** Stop starting chunks and ask the workers to wind down; decided results are kept. */
  stop(reason: NonNullable<ScanSummary['stopReason']>): void {
    if (this.stopping) return;
    this.stopping = reason;
    this.stopWorkers();
    this.settleIfIdle();
  }

  /** Resume dispatching after the sink caught up. */
  poke(): void {
    this.dispatch();
  }

  progress(): ProgressSnapshot {
    const counts = this.decidedCounts();
    return {
      done: totalOf(counts),
      total: this.prep.plan.positions,
      open: counts.open,
      elapsedMs: performance.now() - this.t0,
      events: Object.values(this.events).reduce((a, b) => a + b, 0),
    };
  }

  /** Everything decided so far: committed, plus what stopped or running chunks decided above their watermarks. */
  private decidedCounts(): StateCounts {
    const all = addCounts(addCounts(emptyCounts(), this.counts), this.uncommitted);
    for (const run of this.active.values()) addCounts(all, diffCounts(run.decidedCounts, run.committed));
    return all;
  }

  summary(): ScanSummary {
    const { config, plan } = this.prep;
    const counts = this.decidedCounts();
    const done = totalOf(counts);
    const elapsedMs = performance.now() - this.t0;
    const complete = this.stopping === null && this.failure === null && this.completedBelow >= plan.chunks;
    return {
      status: complete ? 'complete' : 'interrupted',
      stopReason: complete ? null : this.failure !== null ? 'error' : this.stopping,
      scanKey: this.prep.scanKey,
      seed: config.seed,
      order: config.order,
      shard: { ...config.shard },
      hosts: this.prep.targets.count,
      ports: this.prep.ports.count,
      probes: plan.positions,
      done,
      counts,
      events: { ...this.events },
      engine: this.engineUsed ?? config.engine,
      workers: config.workers,
      concurrency: config.concurrency,
      startedAt: this.startedAt.toISOString(),
      elapsedMs: Math.round(elapsedMs),
      rate: Math.round(((done - this.resumedDone) / Math.max(elapsedMs, 1)) * 1000),
    };
  }

  checkpointState(): CheckpointState {
    const partial: CheckpointState['partial'] = [];
    for (const [id, run] of this.active) partial.push({ id, watermark: run.watermark });
    for (const t of this.todo) partial.push({ id: t.id, watermark: t.fromK });
    partial.sort((a, b) => a.id - b.id);
    return {
      chunkSize: this.prep.plan.chunkSize,
      chunks: this.prep.plan.chunks,
      completedBelow: this.completedBelow,
      completed: [...this.completed].sort((a, b) => a - b),
      partial,
      counts: { ...this.counts },
      events: { ...this.events },
    };
  }

  // ---- dispatch ----------------------------------------------------------

  private dispatch(): void {
    while (!this.stopping && this.failure === null && this.active.size < this.maxActive && !this.sink.paused?.()) {
      const next = this.takeNext();
      if (!next) break;
      this.start(next.id, next.fromK, 0);
    }
    this.settleIfIdle();
  }

  private takeNext(): { id: number; fromK: number } | null {
    const queued = this.todo.shift();
    if (queued) return queued;
    while (this.nextChunk < this.prep.plan.chunks) {
      const id = this.nextChunk++;
      // Complete chunks leave `completed` once completedBelow passes them.
      if (id >= this.completedBelow && !this.completed.has(id) && !this.resumedPartial.has(id)) return { id, fromK: 0 };
    }
    return null;
  }

  private start(id: number, fromK: number, attempt: number, emitted = new Set<number>()): void {
    const bounds = chunkBounds(this.prep.plan, id);
    const { port1, port2 } = new MessageChannel();
    const run: ChunkRun = { bounds, attempt, fromK, watermark: fromK, committed: emptyCounts(), decidedCounts: emptyCounts(), decided: 0, emitted, port: port1, gotDone: false };
    this.active.set(id, run);
    port1.on('message', (msg: WorkerMessage) => this.onMessage(run, msg));
    const task: ChunkTask = { spec: this.spec, chunkId: id, attempt, start: bounds.start, stride: bounds.stride, count: bounds.count, fromK, port: port2 };
    this.pool.run(task, { transferList: [port2] }).then(
      (result: ChunkResult) => this.onSettled(run, null, result),
      (err: unknown) => this.onSettled(run, err, null),
    );
  }

  // ---- results -----------------------------------------------------------

  private onMessage(run: ChunkRun, msg: WorkerMessage): void {
    if (this.active.get(run.bounds.id) !== run || run.gotDone) return;
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

  /** Pass records on (minus any a crashed attempt already passed on), then advance the cursor. */
  private accept(run: ChunkRun, wire: WireRecord[], progress: ChunkProgress): void {
    // What was decided is reported even if the sink fails below; only the
    // committed cursor (what checkpoints claim) waits for the sink to succeed.
    run.decided = progress.decided;
    run.decidedCounts = progress.decidedCounts;
    if (wire.length > 0) {
      const out: ProbeRecord[] = [];
      for (const w of wire) {
        if (run.emitted.has(w.k)) continue;
        run.emitted.add(w.k);
        out.push(toRecord(w));
      }
      if (out.length > 0) this.sink.records(out);
    }
    const c = progress.committed;
    const prev = run.committed;
    this.counts.open += c.open - prev.open;
    this.counts.closed += c.closed - prev.closed;
    this.counts.filtered += c.filtered - prev.filtered;
    this.counts.error += c.error - prev.error;
    run.committed = c;
    if (progress.watermark > run.watermark) {
      run.watermark = progress.watermark;
      for (const k of run.emitted) if (k < run.watermark) run.emitted.delete(k);
    }
    for (const [k, v] of Object.entries(progress.events)) this.events[k] = (this.events[k] ?? 0) + v;
    if (progress.hostCounts) this.perHost?.add(progress.hostCounts);
  }

  private onSettled(run: ChunkRun, err: unknown, _result: ChunkResult | null): void {
    if (this.active.get(run.bounds.id) !== run) return;
    // The task's result and our channel are separate ports: pull whatever the
    // worker posted before it finished (or died) so nothing it found is lost.
    for (let m = receiveMessageOnPort(run.port); m !== undefined; m = receiveMessageOnPort(run.port)) {
      this.onMessage(run, m.message as WorkerMessage);
    }
    run.port.close();
    this.active.delete(run.bounds.id);
    const id = run.bounds.id;
    // Every task that failed is counted, also while stopping, so a worker that
    // dies on a stop does not go unnoticed.
    if (err !== null) this.events['worker-crash'] = (this.events['worker-crash'] ?? 0) + 1;
    if (run.gotDone && err === null) {
      if (run.watermark >= run.bounds.count) this.markComplete(id);
      else {
        this.keepUncommitted(run);
        this.todo.unshift({ id, fromK: run.watermark });
      }
    } else if (this.stopping || this.failure !== null) {
      this.keepUncommitted(run);
      this.todo.unshift({ id, fromK: run.watermark });
    } else if (run.attempt + 1 >= MAX_CHUNK_ATTEMPTS) {
      this.fail(new ShardscanError('E_WORKER', `chunk ${id} failed ${MAX_CHUNK_ATTEMPTS} times; last error: ${messageOf(err ?? 'no result')}`));
      this.todo.unshift({ id, fromK: run.watermark });
    } else {
      this.events['chunk-rerun'] = (this.events['chunk-rerun'] ?? 0) + 1;
      // Re-run on whichever worker is free, from the last offset known done;
      // records already passed on above it are remembered and not repeated.
      this.start(id, run.watermark, run.attempt + 1, run.emitted);
    }
    this.dispatch();
  }

  /** A stopped run's decisions above its watermark: real results, reported but not checkpointed. */
  private keepUncommitted(run: ChunkRun): void {
    addCounts(this.uncommitted, diffCounts(run.decidedCounts, run.committed));
  }

  private markComplete(id: number): void {
    this.completed.add(id);
    while (this.completed.has(this.completedBelow)) {
      this.completed.delete(this.completedBelow);
      this.completedBelow++;
    }
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.stopWorkers();
  }

  /**
   * Ask every running chunk to wind down. A worker that does not answer within
   * STOP_GRACE_MS is left behind (forceSettle), on a stop and on a failure alike.
   */
  private stopWorkers(): void {
    for (const run of this.active.values()) run.port.postMessage({ t: 'stop' });
    if (this.active.size > 0) setTimeout(() => this.forceSettle(), STOP_GRACE_MS).unref();
  }

  private settleIfIdle(): void {
    if (this.active.size > 0 || !this.finish) return;
    const more = !this.stopping && this.failure === null && (this.todo.length > 0 || this.nextChunk < this.prep.plan.chunks);
    if (more) return; // dispatch() goes on, or poke() once the sink caught up
    const done = this.finish;
    this.finish = null;
    done();
  }

  /** A worker that does not answer a stop in time: take what it sent and end without it. */
  private forceSettle(): void {
    for (const run of [...this.active.values()]) {
      for (let m = receiveMessageOnPort(run.port); m !== undefined; m = receiveMessageOnPort(run.port)) {
        this.onMessage(run, m.message as WorkerMessage);
      }
      run.port.close();
      this.active.delete(run.bounds.id);
      this.keepUncommitted(run);
      this.todo.unshift({ id: run.bounds.id, fromK: run.watermark });
    }
    this.settleIfIdle();
  }

  private maybeCheckpoint(force: boolean): void {
    if (!this.sink.checkpoint || this.failure !== null) return;
    const now = performance.now();
    if (!force && now - this.lastCheckpoint < CHECKPOINT_MS) return;
    this.lastCheckpoint = now;
    try {
      this.sink.checkpoint(this.checkpointState());
    } catch (err) {
      this.fail(err);
      this.settleIfIdle();
    }
  }
}

function diffCounts(a: StateCounts, b: StateCounts): StateCounts {
  return { open: a.open - b.open, closed: a.closed - b.closed, filtered: a.filtered - b.filtered, error: a.error - b.error };
}

function toRecord(w: WireRecord): ProbeRecord {
  return {
    host: w.host,
    port: w.port,
    state: STATE_OF_CODE[w.state]!,
    reason: w.reason,
    rttMs: w.rttMs,
    service: serviceName(w.port),
    ts: new Date(w.tsMs).toISOString(),
  };
}

/** Typed arrays backed by shared memory are not copied into every task message. */
function shareArray<T extends Float64Array | Uint16Array>(src: T): T {
  const Ctor = src.constructor as new (buf: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(src.byteLength));
  out.set(src as never);
  return out;
}

function shareTargets(prep: PreparedScan) {
  const data = prep.targets.toData();
  return { ...data, v4Start: shareArray(data.v4Start), v4End: shareArray(data.v4End) };
}

