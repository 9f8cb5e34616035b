/**
 * What a probe backend is: one way of making one connect attempt. Every
 * backend reports through the same callback with a libuv-style status
 * (0 = handshake completed, negative = -errno) and never infers "open" from
 * writability: only a completed handshake counts.
 */
import type * as net from 'node:net';
import type { ProbeEngine } from '../../src/model/scan.js';

/** One connect attempt, as a backend sees it. */
export interface AttemptHandle {
  host: string;
  port: number;
  v6: boolean;
  /** Backend-owned: the socket or TCP handle. */
  handle: unknown;
  /** Set by the engine once the attempt is decided or abandoned; late callbacks are ignored. */
  done: boolean;
  /**
   * Bind to an any-address, port 0, before connecting. Used to retry after a
   * self-connect: connect() prefers even ephemeral ports and may pick the
   * target port again and again, bind() prefers odd ones.
   */
  bindFirst: boolean;
  /** Keep a completed connection open and hand it over (a later stage reads it) instead of resetting it. */
  keep: boolean;
  /**
   * performance.now() when the SYN left: the backend sets it just before its
   * connect(), and an answer's round trip counts from it. The loop's own work
   * for a launch (the attempt, its timeout, its window counts; in a cold
   * process the first launch's ~1-2 ms) is not the network's. (Deadlines,
   * and a timed-out record's rtt, its timeout, count from the launch.)
   */
  sentAt: number;
}

/** A kept connection: turns it into a net.Socket (once), which the taker must destroy. */
export type KeptConnection = () => net.Socket;

/**
 * status 0 = connected; `self` = the socket connected to itself (loopback
 * simultaneous open). `kept` is set only for a connected attempt with `keep`
 * that did not connect to itself; otherwise the connection is already reset.
 * `atOnce`: connect() itself failed, before anything was sent (a failure of
 * this machine's stack, such as no route).
 */
export type CompleteFn = (attempt: AttemptHandle, status: number, self: boolean, kept?: KeptConnection, atOnce?: boolean) => void;

export interface ProbeBackend {
  readonly name: ProbeEngine;
  /**
   * Start connecting; returns 0, or a negative errno when connect() failed at
   * once (the local stack refused it; the backend then reports nothing more).
   */
  start(attempt: AttemptHandle): number;
  /** Drop an attempt that timed out or was stopped; its callback will not be reported. */
  abort(attempt: AttemptHandle): void;
  /** The loop has no chunk left: close what the backend kept for the next probes (handle.ts's spare sockets). */
  idle?(): void;
  /** Set by the loop before it starts attempts: true outside libuv's poll phase, where a kept socket may be reused (handle.ts). */
  outsidePoll?: boolean;
}

/** Whether a backend may keep one more socket for the next probes, `kept` being kept now. */
export type SpareRule = (kept: number) => boolean;
export const NO_SPARES: SpareRule = () => false;

/** Makes a backend for an engine name, binding every connect to `source` when given (--source-address), keeping refused sockets to reuse as `mayKeep` allows; tests pass a fake one. */
export type BackendFactory = (engine: ProbeEngine, complete: CompleteFn, source?: string | null, mayKeep?: SpareRule) => ProbeBackend;
