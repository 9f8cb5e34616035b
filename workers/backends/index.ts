/** The probe backends, and the choice between them. */
import type { ProbeEngine } from '../../src/model/scan.js';
import { createHandleBackend } from './handle.js';
import { createSocketBackend } from './socket.js';
import type { CompleteFn, ProbeBackend } from './types.js';

export type { AttemptHandle, BackendFactory, CompleteFn, KeptConnection, ProbeBackend } from './types.js';
export { errnoName } from './errno.js';

/**
 * Refused sockets a backend may keep to connect again (handle.ts): a loop
 * turn's launches at most (LAUNCH_BURST in loop.ts), and a quarter of the
 * descriptors a worker has beside its window (`lateBudget`), none with few.
 */
export function spareSockets(lateBudget: number): number {
  return Math.min(1024, Math.floor(lateBudget / 4));
}

/** The backend for an engine name: `handle` when tcp_wrap is there, else `socket`. */
export function createBackend(engine: ProbeEngine, complete: CompleteFn, source: string | null = null, spares = 0): ProbeBackend {
  if (engine === 'handle') {
    const fast = createHandleBackend(complete, source, spares);
    if (fast) return fast;
  }
  return createSocketBackend(complete, source);
}
