/**
 * Service detection, the socket half: what the worker's connect loop calls
 * once a handshake completes (grabService), the defaults and budget split,
 * and the standalone grabOne for tests and the bench.
 */
import net from 'node:net';

export { BANNER_DEFAULTS, type GrabOptions, grabPlan, grabService } from './grab.js';
export { type GrabOneOptions, type GrabOneResult, grabOne } from './one.js';
export { connectTcp, kill } from './read.js';

/**
 * A connected libuv TCP handle (the handle engine's tcp_wrap `TCP`) as a
 * net.Socket grabService can read and write. The socket takes the handle
 * over: do not reset or close it yourself afterwards.
 */
export function socketFromHandle(handle: unknown): net.Socket {
  // `handle` is a documented-in-source but untyped option of net.Socket (it is how net wraps accepted handles).
  return new net.Socket({ handle, readable: true, writable: true } as net.SocketConstructorOpts);
}
