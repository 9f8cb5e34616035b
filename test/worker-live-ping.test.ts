/**
 * A host that goes silent while it is probed slowly (one probe in flight at a
 * time: a first try a round trip, as 64 hosts at --rate 1000 each get one
 * every 64 ms): its first silent ports ran out of tries before 4 first tries
 * had timed out in the silence, so they were decided filtered before the
 * outage was seen (the lab: 8 of 64 hosts silent 3 s, 1-6 closed ports called
 * filtered in each of 6 runs). Now such a try waits while the silence is too
 * short to judge, and pings go to the port the host last answered on
 * (workers/outage.ts): their answer is the host's, never the position's.
 * Fake timers and a fake backend: the times are exact.
 */
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { createHostTable } from '../src/wire/hosts.js';
import type { TimingParams, WorkerScanSpec } from '../src/wire/messages.js';
import type { WireRecordView } from '../src/wire/records.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { Attempt } from '../workers/attempt.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { runChunkOnFakeTime } from './helpers/engine.js';

const PORTS = 60;
/** Port 7 never answers (a firewall drops it); every other port answers with a reset after 20 ms, but not in [SILENT_FROM, SILENT_TO). */
const DROPPED = 7;
const SILENT_FROM = 400;
const SILENT_TO = 1400;

function spec(): WorkerScanSpec {
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
  const timing: TimingParams = { initialMs: 100, minMs: 100, maxMs: 100, retries: 6, hostTimeoutMs: null, window: 1 << 16, hosts: 1 };
  return {
    specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: PORTS }, (_, i) => i + 1), permutation: null,
    timing, hosts: createHostTable(1, 1 << 16, false), originMs: performance.timeOrigin, window: 1, engine: 'handle',
    emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 1, lateBudget: 0,
  };
}

interface Sent {
  port: number;
  ownPort: number;
  at: number;
}

/** `dropped`: ports that never answer; `silent`: when the host answers nothing (ms from the start). */
async function scan(dropped: readonly number[] = [DROPPED], silent: readonly [number, number] = [SILENT_FROM, SILENT_TO]): Promise<{ records: WireRecordView[]; sent: Sent[]; endedMs: number }> {
  const sent: Sent[] = [];
  const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => {
    const t0 = performance.now(); // made once the timers are fake, as the run starts
    return {
      name: 'handle',
      start(a: AttemptHandle) {
        const at = performance.now() - t0;
        sent.push({ port: a.port, ownPort: (a as Attempt).ownPort, at });
        if (!dropped.includes(a.port) && (at < silent[0] || at >= silent[1])) setTimeout(() => complete(a, -111, false), 20);
        return 0;
      },
      abort() {},
    };
  };
  const { records, endedMs } = await runChunkOnFakeTime(spec(), backend, PORTS, 20_000);
  return { records, sent, endedMs };
}

describe('a slowly probed host silent for 1 s', () => {
  it('every port right: the ports probed in the silence are not decided filtered before it is judged', async () => {
    const { records, sent } = await scan();
    expect(records).toHaveLength(PORTS);
    const wrong = records.filter((r) => r.state !== (r.port === DROPPED ? 'filtered' : 'closed'));
    expect(wrong.map((r) => `${r.port} ${r.state} ${r.reason}`)).toEqual([]);
    // Pings went to a port the host had answered on, not to the silent positions' own ports, and their answers
    // (resets) decided no position: the dropped port is filtered, with its own reason.
    const pings = sent.filter((x) => x.port !== x.ownPort);
    expect(pings.length).toBeGreaterThan(0);
    expect(pings.every((x) => x.port !== DROPPED && x.port < x.ownPort)).toBe(true);
    expect(records.find((r) => r.port === DROPPED)?.reason).toBe('timeout');
    // And the host was heard again by a ping: one left after the silence ended.
    expect(pings.some((x) => x.at >= SILENT_TO)).toBe(true);
  }, 30_000);

  // Its last port dropped, nothing else out: its try waits, a ping to the live port answers, and it is decided filtered.
  // When that ping's answer gave the position one more try, as a held one's does, each try that timed out pinged again
  // and the port was tried for ever (the scan never ended).
  it('a dropped port at the end of the walk: one ping says the host is up, and it is filtered', async () => {
    const { records, sent, endedMs } = await scan([PORTS], [0, 0]);
    expect(endedMs).toBeGreaterThan(0);
    expect(records).toHaveLength(PORTS);
    expect(records.filter((r) => r.state !== 'closed').map((r) => `${r.port} ${r.state}`)).toEqual([`${PORTS} filtered`]);
    expect(sent.filter((x) => x.ownPort === PORTS).map((x) => x.port)).toEqual([PORTS, PORTS, PORTS - 1]); // two tries, then one ping
  }, 30_000);
});
