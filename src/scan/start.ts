/**
 * One way to start a scan, for the CLI and the library alike: a coordinator
 * whose records go to a bounded channel (the report, or the library's
 * iterator) and to any other sinks (the shard directory), composed with tee.
 * The channel comes first, so a sink that fails (a full disk) never keeps a
 * record from the user.
 */
import type { CheckpointState } from '../model/checkpoint.js';
import type { RecordBatch } from '../model/record.js';
import { type ScanSink, tee } from '../model/sink.js';
import type { StateReasons } from '../model/reasons.js';
import type { StateCounts } from '../model/states.js';
import type { NoRoute, ProgressSnapshot, ScanSummary, StopReason, TimingHistograms } from '../model/summary.js';
import { RecordChannel } from '../output/channel.js';
import { ShardscanError } from '../errors.js';
import { Coordinator } from '../pool/coordinator.js';
import type { ChunkRunner } from '../pool/runner.js';
import type { PreparedScan } from '../prepare.js';

/** Records queued for the reader before the coordinator stops starting chunks. */
export const CHANNEL_HIGH_WATER = 8192;

/**
 * A scan in which nothing was decided for this long, nothing is in flight and
 * connects keep failing on this machine (local events: the source address was
 * removed, the network is down) would retry forever: it stops as failed,
 * keeping what it found, and can be resumed once the cause is fixed. A slow
 * scan (a low --rate, long timeouts, ports held by attempts in flight) has no
 * new local failures or has attempts in flight, so it is never taken for one.
 */
export const STALL_MS = 10_000;

/** Watches a coordinator for the stall above; calls `stalled` once with the error to report. */
function watchStall(c: Coordinator, stallMs: number, stalled: (err: ShardscanError) => void): () => void {
  let since = { done: -1, events: 0, at: 0 };
  const timer = setInterval(() => {
    const p = c.progress();
    const now = performance.now();
    if (p.done !== since.done || c.inFlight() > 0) {
      since = { done: p.done, events: p.events, at: now };
      return;
    }
    if (now - since.at < stallMs || p.events === since.events) return;
    clearInterval(timer);
    const top = Object.entries(c.summary().events).sort((a, b) => b[1] - a[1])[0];
    const why = top ? ` (${top[0]}, ${top[1]} times so far)` : '';
    stalled(new ShardscanError('E_STALLED', `for ${stallMs / 1000} s every connect failed on this machine${why} and no probe was decided; stopped with what was found: fix the cause, then resume`));
  }, Math.min(500, stallMs / 4));
  timer.unref();
  return () => clearInterval(timer);
}

export interface StartOptions {
  /** Sinks besides the record channel (e.g. the shard directory). */
  sinks?: readonly ScanSink[];
  /**
   * false: nobody reads `records` (it ends at once, empty); the sinks take every record. By default the channel
   * holds them for a reader, and the scan waits once CHANNEL_HIGH_WATER wait there: a program that gave only a
   * sink stopped for ever at 8,192 records (helper 22).
   */
  reader?: boolean;
  /** Stops the scan (Ctrl+C); decided records are kept. */
  signal?: AbortSignal;
  /** Continue from a checkpoint. */
  resume?: CheckpointState;
  /**
   * Records from before a resume: given to the channel first, as the writer
   * takes them, and not to the other sinks; probing starts after them.
   */
  replay?: () => AsyncIterable<RecordBatch>;
  /** Where chunks run: a pool of worker threads, or the main thread for a small scan. */
  runner: ChunkRunner;
  /** Destroy the runner when the scan ends, or when it cannot start. */
  ownRunner?: boolean;
  /** Keep per-host state counts (reports with per-host "Not shown" lines). */
  hostCounts?: boolean;
  /** How long a stall lasts before the scan stops (default STALL_MS; tests shorten it). */
  stallMs?: number;
  /** When --max-time began to count (performance.now()); by default when probing starts. */
  timeFrom?: number;
}

/** How a scan ended: its summary, and the failure that ended it, if one did. */
export interface ScanEnd {
  summary: ScanSummary;
  failure: unknown;
}

export interface ScanRun {
  /** Record batches as the workers decide them; ends when the scan does. Read it, or the scan stalls (unless started with `reader: false`). */
  readonly records: AsyncIterable<RecordBatch>;
  /** Resolves when the scan ends; never rejects (a failure is in ScanEnd). */
  readonly finished: Promise<ScanEnd>;
  stop(reason?: StopReason): void;
  progress(): ProgressSnapshot;
  /** The summary so far (final once `finished` resolved). */
  summary(): ScanSummary;
  hostCounts(host: string): StateCounts | null;
  /** The host's counts by state and reason, or null when not known. */
  hostReasons(host: string): StateReasons | null;
  /** Whether --host-timeout gave up on the host; null where not known (no per-host counts, or a resume's earlier runs). */
  hostGivenUp(host: string): boolean | null;
  /** Targets this machine has no route to, so far (null when none). */
  noRoute(): NoRoute | null;
  /** Connects in flight in every worker together, now. */
  inFlight(): number;
  /** The RTT and timeout histograms so far (--metrics). */
  timingHistograms(): TimingHistograms;
  /** Every position is decided: a reader that leaves now cuts no scan (its status is the scan's, not the reader's). */
  allDecided(): boolean;
}

/** Start scanning a prepared scan. Throws at once for a checkpoint that does not fit the scan. */
export function startScan(prep: PreparedScan, opts: StartOptions): ScanRun {
  if (opts.reader === false && opts.replay) {
    if (opts.ownRunner) void opts.runner.destroy();
    throw new ShardscanError('E_OPTION', "startScan(): a resume's earlier records (replay) go to the reader of records; give reader: true or no replay");
  }
  let coordinator: Coordinator | null = null;
  const channel = new RecordChannel(CHANNEL_HIGH_WATER, () => coordinator?.poke());
  const toChannel: ScanSink = { records: (batch) => channel.push(batch), paused: () => channel.full };
  let c: Coordinator;
  try {
    c = new Coordinator(prep, tee(opts.reader === false ? null : toChannel, ...(opts.sinks ?? [])), {
      signal: opts.signal,
      resume: opts.resume,
      runner: opts.runner,
      ownRunner: opts.ownRunner,
      hostCounts: opts.hostCounts,
      timeFrom: opts.timeFrom,
    });
  } catch (err) {
    // An owned runner belongs to the scan even when it cannot start: its threads would keep the process alive.
    if (opts.ownRunner) void opts.runner.destroy();
    throw err;
  }
  coordinator = c;
  if (opts.reader === false) channel.close();
  let stall: ShardscanError | null = null;
  let replayFailure: unknown = null;
  let stopped = false;
  let ended: ScanSummary | null = null;
  // Fed a batch at a time as the writer takes them: all at once, a 280,000-record resume held them all.
  const replayed = opts.replay ? feed(opts.replay(), channel, () => stopped || opts.signal?.aborted === true).catch((err: unknown) => {
    replayFailure = err;
    c.stop('error');
  }) : Promise.resolve();
  // A writer that failed (| head) reads no more: a feed waiting for room would wait for ever, and the scan with it.
  if (opts.replay) opts.signal?.addEventListener('abort', () => channel.makeRoom(), { once: true });
  const unwatch = watchStall(c, opts.stallMs ?? STALL_MS, (err) => {
    stall = err;
    c.stop('error');
  });
  const finished = replayed
    .then(() => c.run())
    .then(
      (summary): ScanEnd => ({ summary, failure: replayFailure ?? stall }),
      (failure: unknown): ScanEnd => ({ summary: c.summary(), failure }),
    )
    .then((end) => {
      unwatch();
      // Final from here: the reports read it one after another, and each got its own elapsed time (48.23, 51.61, 54.2 s).
      ended = end.summary;
      channel.close();
      return end;
    });
  return {
    records: channel,
    finished,
    stop: (reason = 'signal') => {
      stopped = true;
      channel.makeRoom();
      c.stop(reason);
    },
    progress: () => c.progress(),
    summary: () => ended ?? c.summary(),
    hostCounts: (host) => c.hostCounts(host),
    hostReasons: (host) => c.hostReasons(host),
    hostGivenUp: (host) => c.hostGivenUp(host),
    noRoute: () => c.noRoute(),
    inFlight: () => c.inFlight(),
    timingHistograms: () => c.timing.histograms(),
    allDecided: () => {
      const p = c.progress();
      return p.done >= p.total;
    },
  };
}

/** Give `batches` to the channel as it has room; a stop ends it early (the reports of a stopped scan are partial anyway). */
async function feed(batches: AsyncIterable<RecordBatch>, channel: RecordChannel, stopped: () => boolean): Promise<void> {
  for await (const batch of batches) {
    if (stopped()) return;
    await channel.room();
    if (stopped()) return;
    channel.push(batch);
  }
}
