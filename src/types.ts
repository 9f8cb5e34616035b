/**
 * Every value that crosses a thread, and the public record shapes, in one place.
 * Nothing here may hold a function or a class instance: these go through
 * structured clone between the coordinator and the Piscina workers.
 */
import type { MessagePort } from 'node:worker_threads';

/** nmap's port states, plus `error` for a probe the scanner itself could not complete. */
export type PortState = 'open' | 'closed' | 'filtered' | 'error';

export const PORT_STATES: readonly PortState[] = ['open', 'closed', 'filtered', 'error'];

/** Compact state codes used on the wire and in per-chunk state arrays (0 = not done). */
export const STATE_CODE: Readonly<Record<PortState, number>> = { open: 1, closed: 2, filtered: 3, error: 4 };
export const STATE_OF_CODE: readonly (PortState | undefined)[] = [undefined, 'open', 'closed', 'filtered', 'error'];

/** Counts per state. */
export interface StateCounts {
  open: number;
  closed: number;
  filtered: number;
  error: number;
}

export function emptyCounts(): StateCounts {
  return { open: 0, closed: 0, filtered: 0, error: 0 };
}

export function addCounts(into: StateCounts, from: StateCounts): StateCounts {
  into.open += from.open;
  into.closed += from.closed;
  into.filtered += from.filtered;
  into.error += from.error;
  return into;
}

export function totalOf(c: StateCounts): number {
  return c.open + c.closed + c.filtered + c.error;
}

/**
 * What a probe found. `reason` is `syn-ack` for open, `timeout` when nothing
 * answered, otherwise the errno name (ECONNREFUSED, EHOSTUNREACH, ...).
 */
export interface ProbeOutcome {
  state: PortState;
  reason: string;
  rttMs: number;
}

/** One result as the writers and the library API see it (schemas/record.schema.json). */
export interface ProbeRecord extends ProbeOutcome {
  host: string;
  port: number;
  /** Service name from the built-in port list, or `unknown`. */
  service: string;
  /** ISO 8601 time the state was decided. */
  ts: string;
}

/** Local-resource events: the scanner's own problem, never a port state. */
export type LocalEvents = Record<string, number>;

/** The probe implementation a worker uses (see workers/probe-*.ts). */
export type ProbeEngine = 'handle' | 'socket';

/** Everything a worker needs to turn chunk offsets into probes. Sent with each task. */
export interface WorkerScanSpec {
  /** Identifies the spec so a worker can cache decoded target sets across tasks. */
  specId: string;
  targets: TargetSetData;
  ports: Uint16Array;
  /** Permutation parameters; `null` walks the index space in serial order. */
  permutation: { range: number; seed: number } | null;
  timeoutMs: number;
  retries: number;
  /** This worker's fair share of `concurrency`: attempts it may always keep in flight. */
  window: number;
  /**
   * Two Int32s shared by every worker: [0] attempts in flight in the whole
   * pool, held under `concurrency`; [1] how many workers have work waiting.
   * A worker that is the only one with work may borrow the idle workers'
   * shares, so the last silent targets of a scan get the whole window.
   */
  inflight: SharedArrayBuffer;
  concurrency: number;
  engine: ProbeEngine;
  /** Which states are sent back as records; the rest are only counted. */
  emit: { open: boolean; closed: boolean; filtered: boolean; error: boolean };
  /** Shared rate budget, or null when unlimited. */
  rate: RateShared | null;
  /** Count states per host (for reports that print per-host "Not shown" lines). */
  hostCounts: boolean;
  /** Test-only fault injection: "crash:chunk=N:after=M" kills the worker mid-chunk. */
  fault: string | null;
}

/** The decoded-free form of a TargetSet, cheap to clone (typed arrays). */
export interface TargetSetData {
  /** IPv4 intervals: starts and inclusive ends as unsigned 32-bit numbers. */
  v4Start: Float64Array;
  v4End: Float64Array;
  /** IPv6 intervals as hex strings of 128-bit values, with inclusive ends. */
  v6Start: string[];
  v6End: string[];
}

/** Shared-memory rate limiter state (workers/rate.ts). */
export interface RateShared {
  /** Int32Array view over: [lock-free TAT slots as BigInt64 in `tat`]. */
  tat: SharedArrayBuffer;
  /** Nanoseconds between probes for the global budget; 0 = unlimited. */
  intervalNs: number;
  /** Per-host bucket table (BigInt64 TAT per bucket), or null. */
  hostTat: SharedArrayBuffer | null;
  hostIntervalNs: number;
  /** Monotonic origin shared by all threads: performance.timeOrigin of the coordinator. */
  originMs: number;
  /** Burst allowance in nanoseconds. */
  burstNs: number;
}

/** One unit of work: positions start + k*stride for k in [fromK, count). */
export interface ChunkTask {
  spec: WorkerScanSpec;
  chunkId: number;
  attempt: number;
  start: number;
  stride: number;
  count: number;
  /** Offsets below this are already done (resume or re-run after a crash). */
  fromK: number;
  /** Channel for record batches and progress; the coordinator may send `stop`. */
  port: MessagePort;
}

/** A record on the wire: compact, no service name or ISO time yet. */
export interface WireRecord {
  /** Offset in the chunk, for de-duplication after a crash. */
  k: number;
  host: string;
  port: number;
  state: number;
  reason: string;
  rttMs: number;
  /** Epoch milliseconds when the state was decided. */
  tsMs: number;
}

/** Progress of one chunk, reported with every batch. */
export interface ChunkProgress {
  /** Offsets [0, watermark) are all decided and their records were sent. */
  watermark: number;
  /** Counts for the offsets in [fromK, watermark) decided by this attempt. */
  committed: StateCounts;
  /** Offsets decided by this attempt, including those above the watermark. */
  decided: number;
  /** States of every offset this attempt decided (committed or not). */
  decidedCounts: StateCounts;
  /** Local-resource events seen since the last message. */
  events: LocalEvents;
  /**
   * Per-host counts of offsets committed since the last message, flattened as
   * [hostIndex, open, closed, filtered, error, ...]; null when not tracked.
   */
  hostCounts: Float64Array | null;
}

/** Worker → coordinator, over the task's MessagePort. */
export type WorkerMessage =
  | { t: 'batch'; records: WireRecord[]; progress: ChunkProgress }
  | { t: 'done'; records: WireRecord[]; progress: ChunkProgress; engine: ProbeEngine };

/** Coordinator → worker, over the task's MessagePort. */
export type CoordinatorMessage = { t: 'stop' };

/** What a Piscina task resolves with (the real data travels over the port). */
export interface ChunkResult {
  chunkId: number;
  stopped: boolean;
}
