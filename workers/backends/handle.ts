/**
 * libuv TCP handles straight from Node's tcp_wrap binding, the layer net.Socket
 * is built on. It skips the stream machinery and never builds an Error: measured
 * here, 65,535 loopback ports take 0.60 s with two workers against 0.95 s for
 * `new net.Socket()`. Node 20 keeps tcp_wrap in process.binding's allow-list;
 * when it is missing the worker uses the socket backend instead.
 *
 * Spare sockets: a connect refused (RST) leaves a closed TCP socket that Linux
 * lets connect again, and the next probe takes it instead of a new one: no
 * socket(), close() or handle to create and collect. Its first connect() fails
 * with ECONNABORTED (the socket still reads "connecting"; that call resets it),
 * the second sends the SYN from a new ephemeral port. libuv read the refusal
 * with SO_ERROR (or connect() returned it), so no error of the old attempt is
 * left for the new one to report; a socket whose first connect() gives
 * anything else is closed instead (start: a refusal by ICMP can leave one).
 * Measured, a bare tcp_wrap loop over closed loopback ports: 22.5 us a probe
 * with a new socket each, 16.4 reusing them.
 * Only unbound sockets (no --source-address, no bind-first retry), as many
 * as `mayKeep` allows (the loop: a spare holds a descriptor, so spares and
 * attempts in flight stay within the worker's share of the window), and all
 * of them closed when the loop has no chunk left (ProbeBackend.idle).
 *
 * A spare is taken only outside libuv's poll phase (`outsidePoll`, set by the
 * loop). A refused socket stays in epoll's interest list, reads ready (hang-up)
 * at every epoll_wait until libuv drops it, and a batch read before the socket
 * was taken may still hold that event: taken by a launch from an earlier
 * callback of the same batch (a chunk arriving), its new connect was then
 * reported done with no error, not connected (lab subnet: 9-24 ENOTCONN events
 * in 64,000 probes, each probed again). The check phase and timers run after
 * the batch.
 */
import net from 'node:net';
import { NOT_CONNECTED, statusOf } from './errno.js';
import { type AttemptHandle, type CompleteFn, NO_SPARES, type ProbeBackend, type SpareRule } from './types.js';

interface Address {
  address?: string;
  port?: number;
}
interface TcpHandle {
  bind(address: string, port: number, flags?: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(req: object, host: string, port: number): number;
  connect6(req: object, host: string, port: number): number;
  getsockname(out: Address): number;
  getpeername(out: Address): number;
  reset(cb?: () => void): number;
  close(cb?: () => void): void;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => { oncomplete: unknown; attempt?: AttemptHandle };
  constants: { SOCKET: number };
}

function loadTcpWrap(): TcpWrapBinding | null {
  try {
    const binding = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as TcpWrapBinding;
    if (typeof binding.TCP !== 'function' || typeof binding.TCPConnectWrap !== 'function') return null;
    return binding;
  } catch (err) {
    void err; // no tcp_wrap binding on this runtime: the caller falls back to net.Socket
    return null;
  }
}

const REFUSED = statusOf('ECONNREFUSED');
const ABORTED = statusOf('ECONNABORTED');

/**
 * The handle backend, or null when this runtime has no tcp_wrap. `source`: the address every connect is bound to;
 * `mayKeep(kept)`: whether one more refused socket may be kept for the next probes, `kept` being kept now (see above).
 */
export function createHandleBackend(complete: CompleteFn, source: string | null = null, mayKeep: SpareRule = NO_SPARES): ProbeBackend | null {
  const binding = loadTcpWrap();
  if (binding === null) return null;
  const { TCP, TCPConnectWrap, constants } = binding;
  const local: Address = {};
  const peer: Address = {};
  // Refused sockets to connect again, by family; only unbound ones.
  const spare: TcpHandle[] = [];
  const spare6: TcpHandle[] = [];
  const reusable = (attempt: AttemptHandle): boolean => source === null && !attempt.bindFirst;
  const request = (attempt: AttemptHandle): { oncomplete: unknown; attempt?: AttemptHandle } => {
    const req = new TCPConnectWrap();
    req.oncomplete = oncomplete;
    req.attempt = attempt;
    return req;
  };
  const connect = (handle: TcpHandle, req: object, attempt: AttemptHandle): number => {
    attempt.sentAt = performance.now();
    return attempt.v6 ? handle.connect6(req, attempt.host, attempt.port) : handle.connect(req, attempt.host, attempt.port);
  };
  function oncomplete(status: number, handle: TcpHandle, req: { attempt?: AttemptHandle }): void {
    const attempt = req.attempt;
    req.attempt = undefined;
    if (attempt === undefined || attempt.done) return; // timed out or stopped, or a stale spare's (start); the handle is already closed
    if (status !== 0) {
      const pile = attempt.v6 ? spare6 : spare;
      if (status === REFUSED && reusable(attempt) && mayKeep(spare.length + spare6.length)) pile.push(handle);
      else handle.close();
      complete(attempt, status, false);
      return;
    }
    handle.getsockname(local);
    // Done with no error, yet not connected (see LOCAL_ERRNOS): not open, probe again.
    if (handle.getpeername(peer) !== 0) {
      handle.close();
      complete(attempt, NOT_CONNECTED, false);
      return;
    }
    const self = local.port === peer.port && local.address === peer.address;
    if (attempt.keep && !self) {
      // A net.Socket can adopt a connected handle (as net.Server does for accepted ones).
      complete(attempt, 0, false, () => new net.Socket({ handle, readable: true, writable: true } as net.SocketConstructorOpts));
      return;
    }
    // RST instead of FIN: no TIME_WAIT left behind, nothing sent to the service.
    handle.reset();
    complete(attempt, 0, self);
  }
  const backend: ProbeBackend = {
    name: 'handle',
    start(attempt) {
      let req = request(attempt);
      const reused = backend.outsidePoll === true && reusable(attempt) ? (attempt.v6 ? spare6 : spare).pop() : undefined;
      if (reused !== undefined) {
        // Only ECONNABORTED shows a socket the refusal closed; then the SYN.
        // A refusal from an ICMP error that came while connect() held the
        // socket is only a soft error: the socket goes on connecting (this
        // call: EALREADY), and when the kernel's next SYN, 1 s on, brings
        // the ICMP again, that closes it with the errno pending, which this
        // call returns and libuv reports later as the new probe's answer (0
        // here): an open port was recorded closed (a REJECT with ICMP
        // port-unreachable on a veth, probes 1 s apart).
        const first = connect(reused, req, attempt);
        if (first === ABORTED && connect(reused, req, attempt) === 0) {
          attempt.handle = reused;
          return 0;
        }
        if (first === 0) {
          req.attempt = undefined; // its completion is the stale error: ignored, and the attempt gets a new request
          req = request(attempt);
        }
        reused.close(); // not reusable after all: a new socket, as for any probe
      }
      const handle = new TCP(constants.SOCKET);
      attempt.handle = handle;
      let err = 0;
      if (source !== null) err = attempt.v6 ? handle.bind6(source, 0, 0) : handle.bind(source, 0);
      else if (attempt.bindFirst) err = attempt.v6 ? handle.bind6('::', 0, 0) : handle.bind('0.0.0.0', 0);
      if (err === 0) err = connect(handle, req, attempt);
      if (err !== 0) {
        req.attempt = undefined;
        handle.close();
      }
      return err;
    },
    abort(attempt) {
      (attempt.handle as TcpHandle).close();
    },
    idle() {
      for (const pile of [spare, spare6]) {
        for (const handle of pile) handle.close();
        pile.length = 0;
      }
    },
  };
  return backend;
}
