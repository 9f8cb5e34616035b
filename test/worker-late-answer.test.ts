/**
 * Late answers (workers/late.ts): a host farther away than its timeout answers
 * after its first tries timed out. Their sockets stay open up to twice the
 * timeout, so its answers still decide its ports; closed at the timeout, the
 * host looked dead (every port filtered, no retry). A host that never answers
 * costs one probe per port, decided at twice the timeout. Through the connect
 * loop with a fake backend.
 */
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { F, HostTable, createHostTable } from '../src/wire/hosts.js';
import type { WorkerScanSpec } from '../src/wire/messages.js';
import type { WireRecordView } from '../src/wire/records.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { Attempt } from '../workers/attempt.js';
import type { CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { runChunk } from './helpers/engine.js';

const PORTS = 16;
const TIMEOUT_MS = 100;
/** Host 0 answers after 1.5 timeouts; host 1 never answers. */
const FAR_MS = 150;

/** `window`: a quarter of it may listen late, unless `lateBudget` says how many. */
async function scan(maxMs: number, window = 256, lateBudget?: number): Promise<{ records: WireRecordView[]; starts: number[]; table: HostTable }> {
  const table = createHostTable(2, 64);
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000000, hi: 0x7f000001 }]).toData();
  const s: WorkerScanSpec = {
    specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: PORTS }, (_, i) => i + 1), permutation: null,
    timing: { initialMs: TIMEOUT_MS, minMs: 10, maxMs, retries: 2, hostTimeoutMs: null, window: 64, hosts: 2 },
    hosts: table, originMs: performance.timeOrigin, window, engine: 'handle',
    emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 64,
    lateBudget: lateBudget ?? Math.floor(window / 4),
  };
  const starts = [0, 0];
  const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => ({
    name: 'handle',
    start(h) {
      const a = h as Attempt;
      starts[a.target.index]!++;
      if (a.target.index === 0) setTimeout(() => complete(a, -111, false), FAR_MS); // ECONNREFUSED: closed
      return 0;
    },
    abort() {},
  });
  const records = await runChunk(s, backend, 2 * PORTS);
  return { records, starts, table: new HostTable(table, 2) };
}

describe('late answers from a host farther away than its timeout', () => {
  it('decide its ports (closed, with their real round trip), one probe each; a silent host is filtered after twice the timeout', async () => {
    const { records, starts } = await scan(3000);
    expect(records).toHaveLength(2 * PORTS);
    const far = records.filter((r) => r.hostIndex === 0);
    expect(far.map((r) => r.state)).toEqual(Array(PORTS).fill('closed'));
    expect(far.every((r) => r.rttMs >= FAR_MS - 1)).toBe(true);
    const dead = records.filter((r) => r.hostIndex === 1);
    expect(dead.map((r) => `${r.state}/${r.reason}`)).toEqual(Array(PORTS).fill('filtered/timeout'));
    expect(dead.every((r) => r.rttMs >= 2 * TIMEOUT_MS - 1)).toBe(true);
    expect(starts).toEqual([PORTS, PORTS]);
  });

  it("give a round trip sample only to a host, and a scan, without one (Karn: the kernel's own second SYN leaves 1 s after the first)", async () => {
    const { records, table } = await scan(3000);
    expect(records.filter((r) => r.hostIndex === 0 && r.state === 'closed')).toHaveLength(PORTS);
    const far = table.cellOf(0);
    // One sample, the first late answer's (a first sample: rttvar = srtt; each of the 16 taken moved them apart), kept
    // as the estimate to go on with and not counted in SAMPLES: the first answer in time starts over (worker-late-sample).
    expect(table.get(far, F.SRTT)).toBeGreaterThanOrEqual((FAR_MS - 1) * 1000);
    expect(table.get(far, F.RTTVAR)).toBe(table.get(far, F.SRTT));
    expect(table.get(0, F.RTTVAR)).toBe(table.get(0, F.SRTT));
    expect(table.get(far, F.SAMPLES)).toBe(0);
    expect(table.get(0, F.SAMPLES)).toBe(0);
    // No window counted them as deliveries (each left the windows, and the scan's rate counted it, at its timeout).
    expect(table.get(far, F.DELIV_COUNT)).toBe(0);
    expect(table.get(far, F.DELIV_START)).toBe(0);
  });

  it('within the descriptors it may take: a quarter of the window', async () => {
    // 8 late sockets for 32 timed-out first tries: the first 8 to time out listen on.
    const { records } = await scan(3000, 32);
    expect(records.filter((r) => r.state === 'closed' || r.rttMs >= 2 * TIMEOUT_MS - 1)).toHaveLength(8);
  });

  it('as many as the budget in its spec, where descriptors are to spare: every timed-out first try listens on', async () => {
    const { records } = await scan(3000, 32, 32);
    expect(records.filter((r) => r.state === 'closed' || r.rttMs >= 2 * TIMEOUT_MS - 1)).toHaveLength(2 * PORTS);
  });

  it('not past the --timeout ceiling: with it at the timeout, the far host looks dead, as before', async () => {
    const { records, starts } = await scan(TIMEOUT_MS);
    expect(records.filter((r) => r.state !== 'filtered')).toEqual([]);
    expect(records.every((r) => r.rttMs < 2 * TIMEOUT_MS - 1)).toBe(true);
    expect(starts).toEqual([PORTS, PORTS]);
  });
});
