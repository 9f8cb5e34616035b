/** errno numbers ↔ names, for libuv statuses and net.Socket errors. */
import { constants as osConstants } from 'node:os';
import { getSystemErrorName } from 'node:util';

const errnoNames = new Map<number, string>();

/** Negative libuv status → errno name, memoised (getSystemErrorName allocates). */
export function errnoName(status: number): string {
  let name = errnoNames.get(status);
  if (name === undefined) {
    try {
      name = getSystemErrorName(status);
    } catch (err) {
      name = `E${-status}`;
      void err; // an unknown errno number: keep it as E<number> rather than fail the probe
    }
    errnoNames.set(status, name);
  }
  return name;
}

const errnoByName: Readonly<Record<string, number>> = osConstants.errno as Record<string, number>;

/** Errno name → negative status (EIO's when unknown). */
export function statusOf(code: string | undefined): number {
  return -(errnoByName[code ?? 'EIO'] ?? 5);
}

/** A connect reported done that did not connect: ENOTCONN (see LOCAL_ERRNOS in src/classify.ts). */
export const NOT_CONNECTED = statusOf('ENOTCONN');
