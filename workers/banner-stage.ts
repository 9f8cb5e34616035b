/**
 * The banner stage of --banners: open ports whose connection the backend
 * kept, read and probed (workers/banner/grab.ts) with a concurrency budget of
 * their own. The connect window does not wait for it: an attempt leaves the
 * window when its handshake completes, and its position is decided (with
 * what the grab found) when the grab ends. A grab beyond the budget waits in
 * line with its connection open (open ports are few).
 */
import type * as net from 'node:net';
import type { ServiceInfo } from '../src/model/service.js';
import { serviceName } from '../src/ports/services.js';
import type { Attempt } from './attempt.js';
import { connectTcp, grabService } from './banner/index.js';

export interface BannerParams {
  /** The whole budget per port, ms. */
  timeoutMs: number;
  /** Bytes kept from any one answer. */
  maxBytes: number;
  /** Grabs at once in this worker. */
  concurrency: number;
  /** Address → the name the user typed for it (the scan spec's): a grab sends the name as HTTP's Host and TLS's SNI, as a browser would; it connects to the address. */
  names?: Readonly<Record<string, string>>;
  /** --source-address (the scan spec's): the grab's own connections are bound to it too (null: the kernel picks). */
  localAddress?: string | null;
  /** What --host-timeout leaves the port's host, ms, when its grab starts: the read ends there (it ran its whole --banner-timeout). */
  timeLeft?: (a: Attempt) => number;
  /** Told when a grab ran to its host's --host-timeout: the host is given up, as nmap -sV marks it (it was not). */
  hostCut?: (a: Attempt) => void;
}

interface Job {
  attempt: Attempt;
  socket: net.Socket;
  /** The connect's round trip, for the record. */
  rttMs: number;
  abort: AbortController;
}

/** Told when a grab ends: `info` is null when it was aborted (its chunk stopped). */
export type GrabDone = (attempt: Attempt, rttMs: number, info: ServiceInfo | null) => void;

export class BannerStage {
  private running = 0;
  private readonly waiting: Job[] = [];
  private readonly jobs = new Set<Job>();

  constructor(
    private readonly params: BannerParams,
    private readonly done: GrabDone,
  ) {
    // The port table is read on first use: from inside a grab, with every descriptor held by banner sockets, that
    // read failed with EMFILE (ulimit -n 100, 200 silent ports: every run). Read now, before any socket is open.
    portGuess(0);
  }

  /** Grabs running or waiting. */
  get size(): number {
    return this.jobs.size;
  }

  add(attempt: Attempt, socket: net.Socket, rttMs: number): void {
    // A socket closed or reset by the service while the grab waits must not throw.
    socket.on('error', () => undefined);
    const job: Job = { attempt, socket, rttMs, abort: new AbortController() };
    this.jobs.add(job);
    if (this.running < this.params.concurrency) this.start(job);
    else this.waiting.push(job);
  }

  /**
   * Stop every grab of a chunk. Returns the open ports they were reading (each
   * still told through `done`, with null): their handshakes completed, so
   * they are results the loop reports before it abandons the chunk (left
   * undecided: a resume reads them again, ChunkLedger.reportCut). Each is
   * named from the port table (`serviceSource: 'port'`), as a read that
   * --host-timeout cuts is: it had no service fields at all, so a stopped
   * and resumed scan kept bare records an uninterrupted one never writes.
   */
  abort(match: (a: Attempt) => boolean): { attempt: Attempt; rttMs: number; info: ServiceInfo }[] {
    const cut = [...this.jobs].filter((job) => match(job.attempt) && !job.abort.signal.aborted);
    for (const job of cut) job.abort.abort();
    return cut.map((job) => ({ attempt: job.attempt, rttMs: job.rttMs, info: portGuess(job.attempt.port) }));
  }

  private start(job: Job): void {
    this.running++;
    const { attempt: a } = job;
    const opts = this.params;
    const left = opts.timeLeft?.(a) ?? Infinity;
    const timeoutMs = Math.max(0, Math.min(opts.timeoutMs, left));
    // Cut by the host's time, not its own budget: a grab that runs to the end gives the host up.
    const cutAt = left < opts.timeoutMs ? performance.now() + timeoutMs : Infinity;
    grabService(job.socket, {
      host: opts.names?.[a.host] ?? a.host, // keys are addresses: never an Object.prototype name
      port: a.port,
      timeoutMs,
      maxBytes: opts.maxBytes,
      signal: job.abort.signal,
      reconnect: () => connectTcp(a.host, a.port, Math.max(100, Math.floor(opts.timeoutMs / 3)), opts.localAddress ?? null),
    }).then(
      (info) => {
        if (info !== null && performance.now() >= cutAt - 1) opts.hostCut?.(a);
        this.finish(job, info);
      },
      // A read that failed (EMFILE, a bug) is an open port all the same, named from the port table: null, which says
      // its chunk stopped, left the position undecided, and the scan waited for it for ever at N-1 of N.
      () => this.finish(job, portGuess(a.port)),
    );
    // A job aborted while waiting never got here; one aborted now resolves null through grabService.
  }

  private finish(job: Job, info: ServiceInfo | null): void {
    this.running--;
    this.jobs.delete(job);
    this.done(job.attempt, job.rttMs, job.abort.signal.aborted ? null : info);
    while (this.running < this.params.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      if (next.abort.signal.aborted) {
        next.socket.destroy();
        this.jobs.delete(next);
        this.done(next.attempt, next.rttMs, null);
      } else this.start(next);
    }
  }
}

/** An open port's service as the port table names it; 'unknown' where even the table cannot be read. */
function portGuess(port: number): ServiceInfo {
  let service = 'unknown';
  try {
    service = serviceName(port);
  } catch {
    // The table could not be read (no descriptor left): the record says less, and the scan still ends.
  }
  return { service, serviceSource: 'port' };
}
