/**
 * A connect() that fails at once with a policy errno (EACCES: a prohibit
 * route or rule; EINVAL: a blackhole one; EPERM: a local hook) sent nothing:
 * it is an error record, not a port state, and no round trip. Taken as an
 * answer it was a 0 ms sample that cut the timeouts of every other probe in
 * flight to the same host, 150 ms away here, and they were all lost
 * (filtered). Through the connect loop with a fake backend.
 */
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { createHostTable } from '../src/wire/hosts.js';
import type { WorkerScanSpec } from '../src/wire/messages.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { statusOf } from '../workers/backends/errno.js';
import { runChunk } from './helpers/engine.js';

const PORTS = 16;
const FAR_MS = 150;

describe.each(['EACCES', 'EINVAL', 'EPERM'])('connect() failing at once with %s on one port', (errno) => {
  it("is that port's error, and the host's other ports are decided by their answers", async () => {
    const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
    const s: WorkerScanSpec = {
      specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: PORTS }, (_, i) => i + 1), permutation: null,
      timing: { initialMs: 1000, minMs: 10, maxMs: 3000, retries: 2, hostTimeoutMs: null, window: 64, hosts: 1 },
      hosts: createHostTable(1, 64), originMs: performance.timeOrigin, window: 64, engine: 'handle',
      emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 64,
      lateBudget: 16,
    };
    const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => ({
      name: 'handle',
      start(a) {
        if (a.port === 1) return statusOf(errno);
        setTimeout(() => complete(a, statusOf('ECONNREFUSED'), false), FAR_MS);
        return 0;
      },
      abort() {},
    });
    const records = await runChunk(s, backend, PORTS);
    const states = records.map((r) => `${r.port} ${r.state} ${r.reason}`).sort((x, y) => parseInt(x) - parseInt(y));
    expect(states).toEqual([`1 error ${errno}`, ...Array.from({ length: PORTS - 1 }, (_, i) => `${i + 2} closed ECONNREFUSED`)]);
  });
});
