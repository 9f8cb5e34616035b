/**
 * What a connect() errno means, as nmap reads it. This table is the one place
 * that decides closed vs filtered vs "our own problem".
 */
import type { PortState } from './model/states.js';

/** Errors that mean the scanner ran out of something locally: never a port state. */
export const LOCAL_ERRNOS: ReadonlySet<string> = new Set([
  'EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN', 'ENOMEM', 'EADDRINUSE', 'EINTR',
]);

/** Errors a router or the target's host sends back (mostly ICMP unreachable): filtered. */
export const FILTERED_ERRNOS: ReadonlySet<string> = new Set([
  'EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EPERM', 'EHOSTDOWN', 'ENONET', 'ENETDOWN', 'ENOPROTOOPT', 'ETIMEDOUT',
]);

/** How the engine should treat an errno from connect(). */
export type ErrnoVerdict = { kind: 'state'; state: PortState } | { kind: 'local' };

// Shared verdicts: this runs once per refused port, so it must not allocate.
const CLOSED: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'closed' });
const FILTERED: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'filtered' });
const LOCAL: ErrnoVerdict = Object.freeze({ kind: 'local' });
const ERROR: ErrnoVerdict = Object.freeze({ kind: 'state', state: 'error' });

/** Classify an errno name: ECONNREFUSED is closed, ICMP-derived ones filtered, local ones retried, others `error`. */
export function classifyErrno(name: string): ErrnoVerdict {
  if (name === 'ECONNREFUSED' || name === 'ECONNRESET') return CLOSED;
  if (FILTERED_ERRNOS.has(name)) return FILTERED;
  if (LOCAL_ERRNOS.has(name)) return LOCAL;
  return ERROR;
}
