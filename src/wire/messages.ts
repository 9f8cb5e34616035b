/**
 * Every message between the coordinator (src/pool) and the worker threads
 * (workers/). Private to those two: nothing here is public API. Values go
 * through structured clone, so nothing may hold a function or a class instance;
 * packed fields have their codec beside them (records.ts, host-delta.ts, slots.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { OffsetRanges } from '../model/checkpoint.js';
import type { ProbeEngine } from '../model/scan.js';
import type { LocalEvents, PortState, StateCounts } from '../model/states.js';
import type { TargetSetData } from '../targets/set.js';
import type { RateShared } from './rate.js';
import type { WireBatch } from './records.js';

/** What workers/timing.ts needs: the timeout bounds, retries, windows. */
export interface TimingParams {
  /** Timeout before any round trip was measured. */
  initialMs: number;
  minMs: number;
  /** The ceiling (min of --max-rtt-timeout and --timeout). */
  maxMs: number;
  /** Most retries after a timeout (--retries). */
  retries: number;
  /** Give up on a host this long after its first probe; null = never. */
  hostTimeoutMs: number | null;
  /** The widest window (--concurrency). */
  window: number;
  /** The scan's host count (sizes the table's cells). */
  hosts: number;
  /**
   * The walk is in random order (absent: it is): workers/outage.ts reads a host's first tries as a random sample of
   * its ports, and a serial walk's are its ports in order (20 that answer, then 980 a firewall drops, read as an outage).
   */
  randomOrder?: boolean;
}

/** Everything a worker needs to turn chunk offsets into probes. Sent with each task, cached by specId. */
export interface WorkerScanSpec {
  /** Identifies the spec so a worker keeps one engine (one window, one timer) per scan. */
  specId: string;
  targets: TargetSetData;
  ports: Uint16Array;
  /** Permutation parameters; `null` walks the index space in serial order. */
  permutation: { range: number; seed: number } | null;
  /** Timeouts, retries and windows (workers/timing.ts). */
  timing: TimingParams;
  /** The shared per-host table (src/wire/hosts.ts). */
  hosts: SharedArrayBuffer;
  /** The table's clock: ms since the epoch where its times count from (tableOrigin in src/wire/hosts.ts). */
  originMs: number;
  /** This worker's fair share of `concurrency`: attempts it may always keep in flight. */
  window: number;
  /** Late sockets (workers/late.ts) it may keep beside its window: its share of the descriptors left free (src/pool/spec.ts lateBudget). */
  lateBudget: number;
  /** The pool-wide window (SharedSlots): attempts in flight everywhere, workers with work waiting. */
  slots: SharedArrayBuffer;
  concurrency: number;
  engine: ProbeEngine;
  /** --source-address: every connect is bound to it; null lets the kernel pick. */
  sourceAddress: string | null;
  /** Which states are sent back as records; the rest are only counted. */
  emit: Readonly<Record<PortState, boolean>>;
  /**
   * --banners: the banner stage's budget and the names typed for addresses (address → name: HTTP's Host, TLS's SNI), or null
   * when open ports are not read. `concurrency` is the reads at once of the whole scan; each thread's engine takes one of
   * `shares` (they add up to it) by the counter in `seat` (workers/run-chunk.ts).
   */
  banners: { timeoutMs: number; maxBytes: number; concurrency: number; shares: readonly number[]; seat: SharedArrayBuffer; names: Readonly<Record<string, string>> } | null;
  /** Shared rate budget, or null when unlimited. */
  rate: RateShared | null;
  /** Count states per host (for reports that print per-host "Not shown" lines). */
  hostCounts: boolean;
}

/** One unit of work: positions start + k*stride for k in [fromK, count). */
export interface ChunkTask {
  spec: WorkerScanSpec;
  chunkId: number;
  /** 0 for the first run of a chunk, then 1, 2, ... for re-runs after a worker died. */
  attempt: number;
  start: number;
  stride: number;
  count: number;
  /** Offsets below this are already done (resume or re-run after a crash). */
  fromK: number;
  /** Offsets an earlier run decided (their records are kept): not probed, not counted again (those below fromK are done anyway). */
  skip: OffsetRanges;
  /** Channel for record batches and progress; the coordinator may send `stop`. */
  port: MessagePort;
}

/** Progress of one chunk, reported with every batch. */
export interface ChunkProgress {
  /** Offsets [0, watermark) are all decided and their records were sent. */
  watermark: number;
  /**
   * In a chunk's last message, when it ends short (stopped): the offsets above
   * the watermark decided and sent, by this run or an earlier one (skip).
   */
  above?: OffsetRanges;
  /** Counts for the offsets in [fromK, watermark) decided by this attempt. */
  committed: StateCounts;
  /** States of every offset this attempt decided (committed or not). */
  decidedCounts: StateCounts;
  /**
   * Open ports this attempt reported whose banner read its stop cut: their
   * records were sent (results found), their offsets left undecided, so a
   * resume probes and reads them again.
   */
  cutOpen: number;
  /** Local-resource events seen since the last message. */
  events: LocalEvents;
  /** Per-host counts committed since the last message (host-delta.ts), or null. */
  hostCounts: Float64Array | null;
  /** Timing statistics since the last message (timing.ts), or null. */
  timing: number[] | null;
  /** Lowest and highest host index this machine had no route to (since the last message), or null. */
  noRoute: [number, number] | null;
}

/** Worker → coordinator, over the task's MessagePort. */
export type WorkerMessage =
  | { t: 'batch'; records: WireBatch; progress: ChunkProgress }
  | { t: 'done'; records: WireBatch; progress: ChunkProgress; engine: ProbeEngine }
  /**
   * Every position the worker holds is in flight and its window has room: it
   * wants another chunk. Without it a worker whose targets are silent posts
   * nothing until its first timeouts, and the coordinator, which hands out
   * chunks as records come back, left most of a wide window empty.
   */
  | { t: 'hungry' };

/** Coordinator → worker, over the task's MessagePort. */
export type CoordinatorMessage = { t: 'stop' };

/** What a Piscina task resolves with (the real data travels over the port). */
export interface ChunkResult {
  chunkId: number;
  stopped: boolean;
}
