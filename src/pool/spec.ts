/** The WorkerScanSpec for a prepared scan: what every worker needs, built once per run. */
import { type ScanConfig, timeoutBounds } from '../config/index.js';
import { SORTED_REPORT_FDS, connectFds, fdLimit, sortedReports } from '../config/limits.js';
import { addressNames } from '../model/scan.js';
import { PORT_STATES, type PortState } from '../model/states.js';
import type { PreparedScan } from '../prepare.js';
import { createHostTable, tableOrigin } from '../wire/hosts.js';
import type { TimingParams, WorkerScanSpec } from '../wire/messages.js';
import { createRateShared } from '../wire/rate.js';
import { SharedSlots } from '../wire/slots.js';

/** Bytes kept from any one answer of a banner grab (a flood is cut here). */
const BANNER_MAX_BYTES = 8192;

/** Typed arrays backed by shared memory are not copied into every task message. */
function shareArray<T extends Float64Array | Uint16Array>(src: T): T {
  const Ctor = src.constructor as new (buf: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(src.byteLength));
  out.set(src as never);
  return out;
}

/** Timeout bounds from the config: every bound within the --timeout ceiling, min ≤ initial ≤ max. */
export function timingParams(prep: PreparedScan): TimingParams {
  const c = prep.config;
  const { initialMs, minMs, maxMs } = timeoutBounds(c);
  return {
    initialMs,
    minMs,
    maxMs,
    retries: c.retries,
    hostTimeoutMs: c.hostTimeoutMs,
    window: c.concurrency,
    hosts: prep.targets.count,
    randomOrder: prep.perm !== null,
  };
}

/** Each worker's fair share of the window (a worker alone with work may borrow the rest). */
function workerShare(config: Pick<ScanConfig, 'workers' | 'concurrency'>): number {
  return Math.max(1, Math.ceil(config.concurrency / config.workers));
}

/**
 * Late sockets (workers/late.ts) each worker may keep: its share of the
 * descriptors the window, the reports and the banner reads leave free, and
 * at most its share of the window (a sweep's late sockets are as many as its
 * window). With descriptors to spare (a limit of 65,536 or more beside the
 * default window of 16,384) every probe to a silent host listens on; the
 * default window cut by a small limit leaves a quarter of itself, as before.
 */
export function lateBudget(config: Pick<ScanConfig, 'workers' | 'concurrency' | 'format' | 'extraReports' | 'banners' | 'bannerConcurrency'>, limit = fdLimit()): number {
  const share = workerShare(config);
  const reserved = sortedReports(config) * SORTED_REPORT_FDS + (config.banners ? config.bannerConcurrency : 0);
  const free = connectFds(limit, config.workers, reserved) - config.concurrency;
  return Math.max(0, Math.min(share, Math.floor(free / config.workers)));
}

/**
 * --banner-concurrency split among the threads the chunks run on: shares that
 * add up to `total` (the first ones take the remainder), each at least 1.
 * With no worker thread (`threads` 0: a small scan, the library's default)
 * the one engine on the calling thread takes it all; it was given total ÷
 * --workers there, and read 100 silent ports at --banner-concurrency 50 in
 * four rounds of --banner-timeout instead of two.
 */
export function bannerShares(total: number, threads: number): number[] {
  if (threads <= 1) return [total];
  const base = Math.floor(total / threads);
  return Array.from({ length: threads }, (_, i) => Math.max(1, base + (i < total % threads ? 1 : 0)));
}

/** What every worker needs; `threads`: the worker threads the chunks run on (0: the calling thread). */
export function buildSpec(prep: PreparedScan, hostCounts: boolean, threads: number): WorkerScanSpec {
  const { config } = prep;
  const data = prep.targets.toData();
  const emit = Object.fromEntries(PORT_STATES.map((s) => [s, config.states.includes(s)])) as Record<PortState, boolean>;
  return {
    specId: `${prep.scanKey}:${process.pid}:${Date.now()}:${Math.random()}`,
    targets: { ...data, v4Start: shareArray(data.v4Start), v4End: shareArray(data.v4End) },
    ports: shareArray(prep.ports.ports),
    permutation: prep.perm ? { range: prep.range, seed: prep.perm.seed } : null,
    timing: timingParams(prep),
    hosts: createHostTable(prep.targets.count, config.concurrency, config.hostTimeoutMs !== null),
    originMs: tableOrigin(),
    window: workerShare(config),
    lateBudget: lateBudget(config),
    slots: SharedSlots.createBuffer(),
    concurrency: config.concurrency,
    engine: config.engine,
    sourceAddress: config.sourceAddress ?? null,
    emit,
    banners: config.banners ? { timeoutMs: config.bannerTimeoutMs, maxBytes: BANNER_MAX_BYTES, concurrency: config.bannerConcurrency, shares: bannerShares(config.bannerConcurrency, threads), seat: new SharedArrayBuffer(4), names: addressNames(config.resolved) } : null,
    rate: createRateShared(config.rate, config.hostRate),
    hostCounts,
  };
}
