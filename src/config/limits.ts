/**
 * Machine limits that shape the defaults: cores, and the file-descriptor limit
 * that caps how many connects may be in flight at once.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The soft RLIMIT_NOFILE of this process (Node raises soft to hard at start-up).
 * SHARDSCAN_FD_LIMIT overrides it: to test the EMFILE path, or where /proc lies.
 */
export function fdLimit(): number {
  const forced = Number(process.env.SHARDSCAN_FD_LIMIT);
  if (Number.isInteger(forced) && forced > 0) return forced;
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch (err) {
    void err; // not Linux: fall through to the conservative POSIX default below
  }
  return 1024;
}

/** Descriptors a Node 20 process holds of its own (stdio, epoll, its signal pipe…): 20 here, 24 with a worker thread. */
const NODE_FDS = 24;

/** The window of a running library scan (scan()), and its connects in flight once it runs. */
interface FdClaim {
  window: number;
  inFlight: () => number;
}

/** The windows of this process's running library scans. */
const claims = new Set<FdClaim>();

/** A scan's window, taken from the process's descriptors until release(); track() tells its connects in flight. */
export function claimFds(window: number): { release(): void; track(inFlight: () => number): void } {
  const claim: FdClaim = { window, inFlight: () => 0 };
  claims.add(claim);
  return { release: () => void claims.delete(claim), track: (inFlight) => void (claim.inFlight = inFlight) };
}

/**
 * Descriptors this process holds for others when a library scan starts: the
 * windows of its running scans, and its open descriptors beyond Node's own
 * and those scans' sockets in flight (the embedding program's files and
 * sockets). Added, not the larger of the two: with two scans running, the
 * larger was the other scan's window, and the program's own were given away
 * again (helper 23).
 */
export function heldFds(): number {
  let open = NODE_FDS;
  try {
    open = readdirSync('/proc/self/fd').length - 1; // less the directory's own
  } catch (err) {
    void err; // not Linux: only the windows of running scans are known
  }
  let windows = 0;
  let inFlight = 0;
  for (const c of claims) {
    windows += c.window;
    inFlight += Math.min(c.window, c.inFlight());
  }
  return windows + Math.max(0, open - NODE_FDS - inFlight);
}

/** Descriptors kept back for stdio, output files, the pool's message ports and the fixtures of a test. */
export const FD_RESERVE = 64;

/**
 * Descriptors one report sorted by host may hold for its temporary runs
 * (output/host-groups.ts: 7 a level, four levels for up to 33.5M records of
 * 8,192-record runs, and the run being written): under `ulimit -n 64`, `-oA`
 * took the scan's descriptors (EMFILE, stalled).
 */
export const SORTED_REPORT_FDS = 32;

/**
 * Most hosts a scan or merge keeps per-host counts for, and a report lists one
 * by one when they are not known: above it, memory stays flat (a /8) and the
 * reports list only hosts with a shown port.
 */
export const MAX_LISTED_HOSTS = 1 << 20;

/** Report formats that list hosts in address order, sorting their records (output/host-groups.ts). */
export function sortedByHost(format: string): boolean {
  return format === 'text' || format === 'grep' || format === 'xml';
}

/** How many of a command's reports (the main one and -oX and the like) sort by host: each needs TMPDIR, descriptors and per-host counts. */
export function sortedReports(reports: { format: string; extraReports?: readonly { format: string }[] }): number {
  return [reports.format, ...(reports.extraReports ?? []).map((r) => r.format)].filter(sortedByHost).length;
}

/**
 * Descriptors left for connects (the window and the late sockets) with this limit and this many worker
 * threads (0: the scan runs on the calling thread, see runsOnCallingThread), `reserved` descriptors aside.
 */
export function connectFds(limit: number, threads: number, reserved = 0): number {
  return limit - FD_RESERVE - reserved - 8 * threads;
}

/** Most connects that may be in flight in total with this descriptor limit and thread count (as connectFds), `reserved` descriptors aside: at least one a thread. */
export function maxConcurrency(limit: number, threads: number, reserved = 0): number {
  return Math.max(threads, 1, Math.floor(connectFds(limit, threads, reserved) * 0.8));
}

export function cores(): number {
  return availableParallelism();
}

/**
 * Scans of at most this many probes run on the main thread: booting worker
 * threads costs more than they save. Measured (2 cores, hyperfine means):
 * 10,000 loopback ports 531 ms on the main thread, 581 ms with two workers;
 * 20,000 ports 917 ms and 793 ms. Through the lab (1 host × 10,000 ports),
 * 0.79 s against 0.96 s at RTT 20 ms and 1.05 s against 1.23 s at 200 ms.
 */
export const SMALL_SCAN = 12_000;

/**
 * Whether a scan of `positions` (its shard's plan) runs on the calling thread, starting no worker
 * thread: it is small, and worker threads were not asked for (--workers, or a test fault for them).
 */
export function runsOnCallingThread(positions: number, threadsAsked: boolean): boolean {
  return positions <= SMALL_SCAN && !threadsAsked;
}
