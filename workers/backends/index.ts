/** The probe backends, and the choice between them. */
import type { ProbeEngine } from '../../src/model/scan.js';
import { createHandleBackend } from './handle.js';
import { createSocketBackend } from './socket.js';
import { type CompleteFn, NO_SPARES, type ProbeBackend, type SpareRule } from './types.js';

export type { AttemptHandle, BackendFactory, CompleteFn, KeptConnection, ProbeBackend, SpareRule } from './types.js';
export { errnoName } from './errno.js';

/** The backend for an engine name: `handle` when tcp_wrap is there, else `socket`. */
export function createBackend(engine: ProbeEngine, complete: CompleteFn, source: string | null = null, mayKeep: SpareRule = NO_SPARES): ProbeBackend {
  if (engine === 'handle') {
    const fast = createHandleBackend(complete, source, mayKeep);
    if (fast) return fast;
  }
  return createSocketBackend(complete, source);
}
