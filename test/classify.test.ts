/**
 * classifyErrno (src/classify.ts): the one table that turns a connect() errno
 * into nmap's reading. Refused and reset are closed; ICMP-derived errors are
 * filtered; this machine running out of something is never a port state;
 * anything unknown is an `error` state, never silently closed or filtered.
 */
import { describe, expect, it } from 'vitest';
import { FILTERED_ERRNOS, HELD_HERE_ERRNOS, LOCAL_ERRNOS, NO_ROUTE_ERRNOS, classifyErrno } from '../src/classify.js';

describe('classifyErrno', () => {
  it('ECONNREFUSED → closed', () => {
    expect(classifyErrno('ECONNREFUSED')).toEqual({ kind: 'state', state: 'closed' });
  });

  // Linux reports a reset in SYN-SENT as ECONNREFUSED; ECONNRESET means the handshake had completed.
  it('ECONNRESET → open (reset after the handshake)', () => {
    expect(classifyErrno('ECONNRESET')).toEqual({ kind: 'state', state: 'open' });
    expect(classifyErrno('ECONNRESET', true)).toEqual({ kind: 'state', state: 'open' });
  });

  it.each([...NO_ROUTE_ERRNOS])('%s at once (nothing sent) → no-route; later (ICMP) → filtered', (errno) => {
    expect(classifyErrno(errno, true)).toEqual({ kind: 'no-route' });
    expect(classifyErrno(errno, false).kind).not.toBe('no-route');
  });

  // A prohibit or blackhole route, or a local hook, kept the SYN in: this machine's policy, never a port state.
  it.each([...HELD_HERE_ERRNOS])('%s at once → no-route, held here; later → not no-route', (errno) => {
    expect(classifyErrno(errno, true)).toEqual({ kind: 'no-route', heldHere: true });
    expect(classifyErrno(errno, false).kind).toBe('state');
  });

  it.each([...FILTERED_ERRNOS])('%s → filtered', (errno) => {
    expect(classifyErrno(errno)).toEqual({ kind: 'state', state: 'filtered' });
  });

  it.each([...LOCAL_ERRNOS])('%s → local (retried, never a port state)', (errno) => {
    expect(classifyErrno(errno)).toEqual({ kind: 'local' });
  });

  it.each(['EIO', 'EINVAL', 'EPIPE', 'E999', '', 'econnrefused', 'timeout', 'self-connect'])('%j → error state', (errno) => {
    expect(classifyErrno(errno)).toEqual({ kind: 'state', state: 'error' });
  });

  it('holds the errnos the rules name, in exactly one table', () => {
    expect([...FILTERED_ERRNOS]).toEqual(expect.arrayContaining(['EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'ETIMEDOUT']));
    expect([...LOCAL_ERRNOS]).toEqual(expect.arrayContaining(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOTCONN']));
    const both = [...FILTERED_ERRNOS].filter((e) => LOCAL_ERRNOS.has(e));
    expect(both).toEqual([]);
    for (const closed of ['ECONNREFUSED', 'ECONNRESET']) expect([FILTERED_ERRNOS.has(closed), LOCAL_ERRNOS.has(closed)]).toEqual([false, false]);
  });

  it('returns shared, frozen verdicts (it runs once per refused port: no allocation)', () => {
    expect(classifyErrno('ECONNREFUSED')).toBe(classifyErrno('ECONNREFUSED'));
    expect(classifyErrno('ENETUNREACH', true)).toBe(classifyErrno('EHOSTUNREACH', true));
    expect(classifyErrno('EHOSTUNREACH')).toBe(classifyErrno('ENETUNREACH'));
    expect(classifyErrno('E1')).toBe(classifyErrno('E2'));
    expect(Object.isFrozen(classifyErrno('EMFILE'))).toBe(true);
  });
});
