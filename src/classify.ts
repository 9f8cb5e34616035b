/**
 * What a connect() errno means, as nmap reads it. This table is the one place
 * that decides closed vs filtered vs "our own problem".
 */
import type { PortState } from './model/states.js';

/**
 * Errors that are never a port state, and the probe is made again: the
 * scanner ran out of something locally, or (ENOTCONN, which the backends
 * give) the kernel reported the connect done with no error while the socket
 * is not connected. That happens: an ICMP error raises EPOLLERR and its errno
 * is gone by the time SO_ERROR is read (seen in the lab's icmp scenario, ~1
 * port in 15 runs of 1,000); libuv then reports success, and "writable" would
 * have been taken for open.
 */
export const LOCAL_ERRNOS: ReadonlySet<string> = new Set([
  'EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN', 'ENOMEM', 'EADDRINUSE', 'EINTR', 'ENOTCONN',
]);

/**
 * Errors that, when connect() fails with them at once (before any packet
 * left), mean this machine has no route to the target: its own problem,
 * never a port state. The same errnos arriving later come from an ICMP error
 * the network sent back, and are filtered.
 */
export const NO_ROUTE_ERRNOS: ReadonlySet<string> = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ENONET']);

/**
 * Errors that, when connect() fails with them at once, mean this machine's
 * own policy kept the SYN in: a `prohibit` route or rule (EACCES), a
 * `blackhole` one (EINVAL), a local BPF or security hook (EPERM). Nothing
 * left, so no port state and no round trip: taken as filtered with the time
 * of the call as its round trip, such an answer cut the timeouts of a host
 * 300 ms away to 0.1 ms + the floor, and all its other ports were lost. The
 * same EACCES arriving later is an ICMP admin-prohibited: filtered.
 */
export const HELD_HERE_ERRNOS: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EINVAL']);

/** Errors a router or the target's host sends back (mostly ICMP unreachable): filtered. */
export const FILTERED_ERRNOS: ReadonlySet<string> = new Set([
  'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EPERM', 'EHOSTDOWN', 'ENONET', 'ENETDOWN', 'ENOPROTOOPT', 'ETIMEDOUT',
]);

/** How the engine should treat an errno from connect(). */
export type ErrnoVerdict = { kind: 'state'; state: PortState } | { kind: 'local' } | { kind: 'no-route'; heldHere?: true };

/**
 * ECONNRESET from connect() means the handshake had completed: Linux reports
 * a reset in SYN-SENT as ECONNREFUSED, and ECONNRESET only for a connection
 * that was established (tcp_reset). A service that accepts and resets at once
 * gives it when the scanner sees the completion after the reset (a busy event
 * loop, a long round trip): the port is open. Found in the network lab, where
 * such ports were taken for closed.
 */
export const RESET_AFTER_HANDSHAKE = 'ECONNRESET';

// Shared verdicts: this runs once per refused port, so it must not allocate.
const CLOSED: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'closed' });
const OPEN: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'open' });
const FILTERED: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'filtered' });
const LOCAL: ErrnoVerdict = Object.freeze({ kind: 'local' });
const ERROR: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'error' });
const NO_ROUTE: ErrnoVerdict = Object.freeze({ kind: 'no-route' });
const HELD_HERE: ErrnoVerdict = Object.freeze({ kind: 'no-route', heldHere: true });

/**
 * Classify an errno name: ECONNREFUSED is closed, ECONNRESET open (see above), ICMP-derived ones filtered,
 * local ones retried, others `error`. `atOnce`: connect() failed before it
 * returned (nothing was sent), so a routing or policy errno is this machine's
 * (`heldHere`: its policy, not a route that may come back).
 */
export function classifyErrno(name: string, atOnce = false): ErrnoVerdict {
  if (name === 'ECONNREFUSED') return CLOSED;
  if (name === RESET_AFTER_HANDSHAKE) return OPEN;
  if (atOnce && NO_ROUTE_ERRNOS.has(name)) return NO_ROUTE;
  if (atOnce && HELD_HERE_ERRNOS.has(name)) return HELD_HERE;
  if (FILTERED_ERRNOS.has(name)) return FILTERED;
  if (LOCAL_ERRNOS.has(name)) return LOCAL;
  return ERROR;
}
