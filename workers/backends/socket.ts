/** The public net.Socket API: slower, but only documented interfaces. The reference backend. */
import net from 'node:net';
import { NOT_CONNECTED, statusOf } from './errno.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from './types.js';

const kAttempt = Symbol('attempt');
const kAtOnce = Symbol('atOnce');
type ProbeSocket = net.Socket & { [kAttempt]?: AttemptHandle; [kAtOnce]?: boolean };

/**
 * net.Socket connects to an address literal in one process.nextTick; when the
 * connect() call itself fails, it destroys the socket there and emits the
 * error in a later tick. A tick queued after socket.connect() runs between
 * the two: a socket already destroyed with an error by then failed at once.
 */
function markAtOnce(socket: ProbeSocket): void {
  if (socket.destroyed && socket.errored) socket[kAtOnce] = true;
}

/** `source`: the address every connect is bound to (--source-address), or null. */
export function createSocketBackend(complete: CompleteFn, source: string | null = null): ProbeBackend {
  function onConnect(this: ProbeSocket): void {
    const attempt = this[kAttempt]!;
    if (attempt.done) return;
    // Done with no error, yet not connected (see LOCAL_ERRNOS): not open, probe again.
    if (this.remoteAddress === undefined) {
      this.destroy();
      complete(attempt, NOT_CONNECTED, false);
      return;
    }
    const self = this.localPort === this.remotePort && this.localAddress === this.remoteAddress;
    if (attempt.keep && !self) {
      this.removeListener('error', onError);
      complete(attempt, 0, false, () => this);
      return;
    }
    this.resetAndDestroy();
    complete(attempt, 0, self);
  }
  function onError(this: ProbeSocket, err: NodeJS.ErrnoException): void {
    const attempt = this[kAttempt]!;
    this.destroy();
    if (attempt.done) return;
    complete(attempt, statusOf(err.code), false, undefined, this[kAtOnce] === true);
  }
  return {
    name: 'socket',
    start(attempt) {
      const socket: ProbeSocket = new net.Socket();
      socket[kAttempt] = attempt;
      socket.on('connect', onConnect);
      socket.on('error', onError);
      attempt.handle = socket;
      attempt.sentAt = performance.now();
      if (source !== null) socket.connect({ port: attempt.port, host: attempt.host, localAddress: source });
      else if (attempt.bindFirst) socket.connect({ port: attempt.port, host: attempt.host, localAddress: attempt.v6 ? '::' : '0.0.0.0' });
      else socket.connect(attempt.port, attempt.host);
      process.nextTick(markAtOnce, socket);
      return 0;
    },
    abort(attempt) {
      (attempt.handle as net.Socket).destroy();
    },
  };
}
