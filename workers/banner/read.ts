/**
 * Bounded socket reads and connects for the banner grab. Every read stops at
 * a byte cap and a time limit, whatever the peer does: a flood is cut at the
 * cap, a trickle at the limit (a text greeting still coming mid-line at
 * its end is read on, see midLineLimitMs), and silence after the first bytes
 * (a short idle gap) or a complete answer (the probe's `until` regex) ends
 * it early.
 */
import net from 'node:net';
import type * as tls from 'node:tls';
import { endpoint } from '../../src/targets/ip.js';

/** Why a read ended. */
export type ReadEnd = 'until' | 'idle' | 'cap' | 'closed' | 'timeout' | 'error' | 'aborted';

export interface ReadResult {
  data: Buffer;
  end: ReadEnd;
  /** Milliseconds the read took. */
  ms: number;
}

export interface ReadOptions {
  /** Bytes kept at most; reaching it ends the read. */
  maxBytes: number;
  /** Time the read may take in all. */
  limitMs: number;
  /** Silence after some data that counts as the end of an answer. */
  idleMs: number;
  /** The same for an answer so far all text and cut mid-line (a greeting whose rest was lost on the way); idleMs if unset. */
  midLineIdleMs?: number | undefined;
  /**
   * With midLineIdleMs: the most the read may take in all when `limitMs`
   * finds it mid-line. It then reads on while the pieces keep coming, each
   * within one mid-line silence of the last (a trickle of one byte per 100 ms
   * was cut after one silence, at "SSH-2.0-", and left unknown where nmap
   * names it), and ends at the line's end, the byte cap, this limit, or a
   * silence (a greeting that stopped for good costs one silence, no more).
   * A greeting that began late in a listen and came in two pieces was cut at
   * the listen's end and read as its first piece ("software Open").
   */
  midLineLimitMs?: number | undefined;
  /** Ends the read as soon as the answer so far (latin1) matches. */
  until?: RegExp | undefined;
  /**
   * An answer so far that matches this is not over before `until` matches: it
   * waits `unfinishedIdleMs` of silence, not `idleMs` (within `limitMs`): an
   * HTTP head whose headers came 100 ms after its status line was cut at it,
   * the server's name lost (helper 16: Apache's, where nmap names it).
   */
  unfinished?: RegExp | undefined;
  unfinishedIdleMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Text whose last line is a continuation line of a multi-line reply (RFC 959 and 5321: "220-…"), ended. */
const CONTINUED = /(?:^|\n)\d{3}-[^\n]*\n$/;

/** Read one answer from `socket`; the socket is left paused, not destroyed. */
export function readAnswer(socket: net.Socket | tls.TLSSocket, opts: ReadOptions): Promise<ReadResult> {
  const t0 = performance.now();
  const chunks: Buffer[] = [];
  let total = 0;
  // The answer as latin1, kept only when a test reads it (until, a continuation line, an unfinished head): the last two
  // read an empty text when no `until` was given.
  const keepText = opts.until !== undefined || opts.midLineIdleMs !== undefined || opts.unfinished !== undefined;
  let text = '';
  let textual = true; // every byte so far printable ASCII, tab or CR (a binary greeting, MySQL's, is not cut mid-line)
  let midLine = false; // the answer so far is text that ends before its line end (with midLineIdleMs only)
  let pastLimit = false; // read on past limitMs because the answer was mid-line
  if (socket.destroyed || socket.readableEnded) return Promise.resolve({ data: Buffer.alloc(0), end: 'closed', ms: 0 });
  return new Promise((resolve) => {
    let idle: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (end: ReadEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      clearTimeout(idle);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.pause();
      resolve({ data: Buffer.concat(chunks, total), end, ms: performance.now() - t0 });
    };
    const onData = (chunk: Buffer): void => {
      const room = opts.maxBytes - total;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(kept);
      total += kept.length;
      if (total >= opts.maxBytes) return finish('cap');
      const piece = keepText ? kept.toString('latin1') : '';
      text += piece;
      if (opts.until?.test(text)) return finish('until');
      clearTimeout(idle);
      if (opts.midLineIdleMs !== undefined && textual) textual = /^[\t\r\n\x20-\x7e]*$/.test(piece);
      // A multi-line reply whose last line so far is a continuation (FTP's and SMTP's 220-…) is not over either.
      midLine = opts.midLineIdleMs !== undefined && textual && (kept[kept.length - 1] !== 0x0a || CONTINUED.test(text));
      if (pastLimit && !midLine) return finish('timeout'); // the line ended (or turned binary): nothing more is waited for
      const unfinished = !midLine && opts.unfinishedIdleMs !== undefined && opts.unfinished?.test(text) === true;
      idle = setTimeout(() => finish('idle'), midLine ? opts.midLineIdleMs! : unfinished ? opts.unfinishedIdleMs! : opts.idleMs);
    };
    const onEnd = (): void => finish('closed');
    const onError = (): void => finish('error');
    const onAbort = (): void => finish('aborted');
    const onLimit = (): void => {
      const more = (opts.midLineLimitMs ?? 0) - (performance.now() - t0);
      if (!midLine || more <= 0) return finish('timeout');
      // Mid-line at the limit: read on while pieces keep coming, the idle timer (one mid-line
      // silence since the last piece) ending a greeting that stopped, the line's end ending it at once.
      pastLimit = true;
      limit = setTimeout(() => finish('timeout'), more);
    };
    let limit = setTimeout(onLimit, Math.max(0, opts.limitMs));
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    if (opts.signal?.aborted) return finish('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.resume();
  });
}

/**
 * Settle `promise` within `ms` (or until `signal` aborts), else null; a value
 * that arrives late is handed to `discard` (a late socket must still be closed).
 */
export function within<T>(promise: Promise<T>, ms: number, discard: (late: T) => void, signal?: AbortSignal): Promise<T | null> {
  return new Promise((resolve) => {
    let done = false;
    const give = (v: T | null): void => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = (): void => give(null);
    const timer = setTimeout(onAbort, Math.max(0, ms));
    if (signal?.aborted) return give(null);
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (done ? discard(v) : give(v)),
      (err: unknown) => {
        void err; // a failed connect or handshake is "no answer" to the caller, like a timeout
        if (!done) give(null);
      },
    );
  });
}

/**
 * Close a socket at once: RST for TCP (no TIME_WAIT left behind), plain
 * destroy otherwise. Not RST once either side has begun closing: on Node
 * 20.20, resetAndDestroy() after the peer's FIN (the socket auto-ends and
 * shuts down its side) leaves the handle open and the event loop spinning
 * at full CPU, so the process never exits. Not RST while still connecting
 * either: it then only waits for 'connect', and a SYN that is never answered
 * left the socket in SYN-SENT, and the process alive, for a minute (a
 * connection never made needs no RST).
 */
export function kill(socket: net.Socket): void {
  if (socket.destroyed) return;
  const handle = (socket as unknown as { _handle?: { constructor?: { name?: string } } })._handle;
  const closing = socket.readableEnded || socket.writableEnded;
  if (handle?.constructor?.name === 'TCP' && !closing && !socket.connecting) socket.resetAndDestroy();
  else socket.destroy();
}

/** Connect with net, resolving once the handshake completes (rejecting on error or after `timeoutMs`). */
export function connectTcp(host: string, port: number, timeoutMs: number, localAddress: string | null = null): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(localAddress === null ? { host, port } : { host, port, localAddress });
    const timer = setTimeout(() => {
      kill(socket);
      reject(new Error(`connect ${endpoint(host, port)}: timeout`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}
