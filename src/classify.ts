/**
 * What a connect() errno means, as nmap reads it. This table is the one place
 * that decides closed vs filtered vs "our own problem".
 */
import type { PortState } from './types.js';

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

/** Classify an errno name: ECONNREFUSED is closed, ICMP-derived ones filtered, local ones retried, others `error`. */
export function classifyErrno(name: string): ErrnoVerdict {
  if (name === 'ECONNREFUSED' || name === 'ECONNRESET') return { kind: 'state', state: 'closed' };
  if (FILTERED_ERRNOS.has(name)) return { kind: 'state', state: 'filtered' };
  if (LOCAL_ERRNOS.has(name)) return { kind: 'local' };
  return { kind: 'state', state: 'error' };
}
