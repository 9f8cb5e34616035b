/**
 * A dead host costs one timeout per port also where it shares a timing cell
 * with live neighbours (past MAX_EXACT_HOSTS hosts, src/wire/hosts.ts): the
 * retry rule asks whether the host itself answered, not its cell. Through the
 * connect loop with a fake backend: in a /16, even hosts answer (closed), odd
 * hosts never do.
 */
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { HostTable, MAX_EXACT_HOSTS, createHostTable } from '../src/wire/hosts.js';
import type { WorkerScanSpec } from '../src/wire/messages.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { Attempt } from '../workers/attempt.js';
import type { CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { runChunk } from './helpers/engine.js';

const HOSTS = 1 << 16;
/** Long beside the fake answers' 1 ms: a live host's only probe must not time out while the loop is busy (it then gets no retry either). */
const TIMEOUT_MS = 200;

describe('dead hosts among live neighbours', () => {
  it('get no retry: each is probed once per port and called filtered; the live ones closed', async () => {
    expect(HOSTS).toBeGreaterThan(MAX_EXACT_HOSTS);
    const table = createHostTable(HOSTS, 1 << 16);
    // The premise: dead and live hosts share cells here.
    const view = new HostTable(table, HOSTS);
    expect(view.cellOf(1)).toBe(view.cellOf(0));
    const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000000, hi: 0x7f000000 + HOSTS - 1 }]).toData();
    const s: WorkerScanSpec = {
      specId: `t${Math.random()}`, targets, ports: Uint16Array.of(1), permutation: null,
      timing: { initialMs: TIMEOUT_MS, minMs: TIMEOUT_MS, maxMs: TIMEOUT_MS, retries: 3, hostTimeoutMs: null, window: 1 << 16, hosts: HOSTS },
      hosts: table, originMs: performance.timeOrigin, window: 4096, engine: 'handle',
      emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 4096, lateBudget: 1024,
    };
    const starts = new Uint8Array(HOSTS);
    const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => ({
      name: 'handle',
      start(h) {
        const a = h as Attempt;
        starts[a.target.index]!++;
        if (a.target.index % 2 === 0) setTimeout(() => complete(a, -111, false), 1);
        return 0;
      },
      abort() {},
    });
    const records = await runChunk(s, backend, HOSTS);
    expect(records).toHaveLength(HOSTS);
    // Every dead host filtered; the live ones closed (a loop stalled past the timeout could time one out: asserted only in bulk).
    expect(records.filter((r) => r.hostIndex % 2 === 1 && r.state !== 'filtered')).toEqual([]);
    expect(records.filter((r) => r.hostIndex % 2 === 0 && r.state === 'closed').length).toBeGreaterThan(HOSTS / 2 - 100);
    const probedTwice = starts.reduce((n, c, i) => n + (i % 2 === 1 && c !== 1 ? 1 : 0), 0);
    expect(probedTwice).toBe(0);
  }, 60_000);
});
