/**
 * --host-timeout ends a host's attempts in flight. It was looked at only when
 * a probe was about to leave: attempts already out ran their whole timeout,
 * so a host whose probes had all left was never given up (the lab audit: RTT
 * 3.5 s, 200 ports, --host-timeout 1s: every port decided at 3.5 s, "0 hosts
 * given up"; nmap gave the host up at its limit), and a dead /24 with
 * --host-timeout 100ms still waited 1 s on ~2,000 ports. Fake timers and a
 * fake backend: the times are exact.
 */
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { createHostTable } from '../src/wire/hosts.js';
import type { TimingParams, WorkerScanSpec } from '../src/wire/messages.js';
import type { WireRecordView } from '../src/wire/records.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { TimingTotals } from '../src/wire/timing.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { runChunkOnFakeTime } from './helpers/engine.js';

const PORTS = 40;

function spec(hostTimeoutMs: number | null, maxMs = 1000): WorkerScanSpec {
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
  const timing: TimingParams = { initialMs: 1000, minMs: 1000, maxMs, retries: 2, hostTimeoutMs, window: 1 << 16, hosts: 1 };
  return {
    specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: PORTS }, (_, i) => i + 1), permutation: null,
    timing, hosts: createHostTable(1, 1 << 16, hostTimeoutMs !== null), originMs: performance.timeOrigin, window: 64, engine: 'handle',
    emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 64, lateBudget: 16,
  };
}

/** Port 1 answers (closed) after 5 ms, so the host has answered, unless `silent`; the others never answer. */
const backendOf = (silent: boolean) => (_e: unknown, complete: CompleteFn): ProbeBackend => ({
  name: 'handle',
  start(a: AttemptHandle) {
    if (a.port === 1 && !silent) setTimeout(() => complete(a, -111, false), 5);
    return 0;
  },
  abort() {},
});

async function scan(hostTimeoutMs: number | null, silent = false, maxMs = 1000): Promise<{ records: WireRecordView[]; endedAt: number; timing: TimingTotals }> {
  const { records, endedMs, timing } = await runChunkOnFakeTime(spec(hostTimeoutMs, maxMs), backendOf(silent), PORTS, 10_000);
  return { records, endedAt: endedMs, timing };
}

describe('--host-timeout and attempts in flight', () => {
  it('ends them at the host\'s limit, as errors (host-timeout), and counts the host given up', async () => {
    const { records, endedAt, timing } = await scan(100);
    expect(records).toHaveLength(PORTS);
    expect(records.filter((r) => r.state === 'closed').map((r) => r.port)).toEqual([1]);
    const cut = records.filter((r) => r.port !== 1);
    expect(cut.every((r) => r.state === 'error' && r.reason === 'host-timeout')).toBe(true);
    // Cut where the host's time ended: each waited ~100 ms (a retry decided later would say 0).
    for (const r of cut) expect(r.rttMs).toBeGreaterThan(90);
    expect(Math.max(...cut.map((r) => r.rttMs))).toBeLessThanOrEqual(101);
    expect(endedAt).toBeLessThan(200); // it waited the whole 1 s timeout
    expect(timing.summary().hostsGivenUp).toBe(1);
  });

  it('a host that never answers is given up at its limit too, not called filtered', async () => {
    const { records, endedAt, timing } = await scan(100, true);
    expect(records).toHaveLength(PORTS);
    expect(records.every((r) => r.state === 'error' && r.reason === 'host-timeout')).toBe(true);
    expect(endedAt).toBeLessThan(200);
    expect(timing.summary().hostsGivenUp).toBe(1);
  });

  it("a probe it cuts short is no timeout that ran out: the summary's timeouts leave it out", async () => {
    expect((await scan(100)).timing.summary().timeout).toBeNull();
    expect((await scan(100, true)).timing.summary().timeout).toBeNull();
  });

  it("a silent host's timeouts in the summary are the waits its records show, late listening included (they read half)", async () => {
    const { records, timing } = await scan(null, true, 3000); // a ceiling of 3 s: a first try may listen on to 2 s
    const waits = records.map((r) => r.rttMs).sort((a, b) => a - b);
    expect(waits.at(-1)!).toBeGreaterThan(1500); // first tries listened on past their 1 s timeout (as many as the late budget holds)
    const t = timing.summary().timeout!;
    expect(t.samples).toBe(PORTS);
    expect(t.p50).toBeCloseTo(waits[PORTS / 2 - 1]!, 0);
    expect(t.p99).toBeCloseTo(waits.at(-1)!, 0);
  });

  it('without one, the same ports wait their timeout and are filtered, with their retries', async () => {
    const { records, endedAt, timing } = await scan(null);
    expect(records.filter((r) => r.state === 'filtered')).toHaveLength(PORTS - 1);
    expect(endedAt).toBeGreaterThanOrEqual(2000); // the first try and one retry, 1 s each
    expect(timing.summary().hostsGivenUp).toBe(0);
  });
});
