/** The WorkerScanSpec for a prepared scan: what every worker needs, built once per run. */
import { PORT_STATES, type PortState } from '../model/states.js';
import type { PreparedScan } from '../prepare.js';
import type { WorkerScanSpec } from '../wire/messages.js';
import { createRateShared } from '../wire/rate.js';
import { SharedSlots } from '../wire/slots.js';

/** Typed arrays backed by shared memory are not copied into every task message. */
function shareArray<T extends Float64Array | Uint16Array>(src: T): T {
  const Ctor = src.constructor as new (buf: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(src.byteLength));
  out.set(src as never);
  return out;
}

export function buildSpec(prep: PreparedScan, hostCounts: boolean): WorkerScanSpec {
  const { config } = prep;
  const data = prep.targets.toData();
  const emit = Object.fromEntries(PORT_STATES.map((s) => [s, config.states.includes(s)])) as Record<PortState, boolean>;
  return {
    specId: `${prep.scanKey}:${process.pid}:${Date.now()}:${Math.random()}`,
    targets: { ...data, v4Start: shareArray(data.v4Start), v4End: shareArray(data.v4End) },
    ports: shareArray(prep.ports.ports),
    permutation: prep.perm ? { range: prep.range, seed: prep.perm.seed } : null,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    // Each worker's fair share; a worker alone with work may borrow the rest.
    window: Math.max(1, Math.ceil(config.concurrency / config.workers)),
    slots: SharedSlots.createBuffer(),
    concurrency: config.concurrency,
    engine: config.engine,
    emit,
    rate: createRateShared(config.rate, config.hostRate),
    hostCounts,
  };
}
