/**
 * Retries sent twice (workers/twins.ts), through the connect loop with a fake
 * backend: on a path whose retries get answered, a retry goes out as two
 * copies; the first answer decides and the other copy is closed; a copy that
 * times out or fails on this machine leaves the position to the other one.
 * Every position is decided exactly once.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { createHostTable } from '../src/wire/hosts.js';
import type { ChunkTask, WorkerMessage, WorkerScanSpec } from '../src/wire/messages.js';
import { type WireRecordView, readRecords } from '../src/wire/records.js';
import { createRateShared } from '../src/wire/rate.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { Attempt } from '../workers/attempt.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { Engine } from '../workers/loop.js';

const PORTS = 160;
const TIMEOUT_MS = 15;

function spec(over: Partial<WorkerScanSpec> = {}): WorkerScanSpec {
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
  return {
    specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: PORTS }, (_, i) => i + 1), permutation: null,
    timing: { initialMs: TIMEOUT_MS, minMs: TIMEOUT_MS, maxMs: TIMEOUT_MS, retries: 6, hostTimeoutMs: null, window: 1 << 16, hosts: 1 },
    hosts: createHostTable(1, 1 << 16), originMs: performance.timeOrigin, window: 4, engine: 'handle',
    emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 4, lateBudget: Math.floor((over.window ?? 4) / 4), ...over,
  };
}

/**
 * Runs the chunk on fake timers and a fake performance.now(): what happens when
 * is then fixed by the backend's delays alone. On real timers a busy machine
 * (CI runs the test files side by side) wakes the loop late, and an answer due
 * at 7.5 ms can come after a timeout due at 15 ms, which changes the counts.
 */
async function runFaked(engine: Engine, s: WorkerScanSpec, ports = PORTS): Promise<{ records: WireRecordView[]; last: WorkerMessage }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'performance'] });
  try {
    let finished = false;
    const result = run(engine, ports, s, () => vi.advanceTimersByTimeAsync(20)).finally(() => {
      finished = true;
    });
    // Bounded: the scan takes well under a second of fake time.
    for (let ms = 0; !finished && ms < 60_000; ms++) await vi.advanceTimersByTimeAsync(1);
    return await result;
  } finally {
    vi.useRealTimers();
  }
}

async function run(
  engine: Engine,
  ports = PORTS,
  s = spec(),
  settle = (): Promise<unknown> => new Promise((r) => setTimeout(r, 20)),
): Promise<{ records: WireRecordView[]; last: WorkerMessage }> {
  const { port1, port2 } = new MessageChannel();
  const records: WireRecordView[] = [];
  let last: WorkerMessage | null = null;
  port1.on('message', (m: WorkerMessage) => {
    if (m.t === 'hungry') return;
    readRecords(m.records, (r) => records.push({ ...r }));
    last = m;
  });
  const task: ChunkTask = { spec: s, chunkId: 0, attempt: 0, start: 0, stride: 1, count: ports, fromK: 0, skip: [], port: port2 };
  await engine.run(task);
  await settle();
  port1.close();
  return { records, last: last! };
}

describe('retries sent twice', () => {
  it('on a lossy path: the first answer decides, a silent or failed copy leaves the position to the other', async () => {
    // Every fourth port loses its first try; retries answer, except where a
    // port's second copy says otherwise (by port % 3):
    //   0: the first copy stays silent and the second answers (the first is closed),
    //   1: both copies of the first twinned retry stay silent; the next try answers,
    //   2: the second copy fails at once with EMFILE and the first answers.
    const starts = new Map<number, number>();
    const seconds = new Map<number, number>(); // port → second copies started
    const aborted: Attempt[] = [];
    const secondCopyOf = new Set<Attempt>();
    const answer = (a: AttemptHandle, complete: CompleteFn, ms = 1): void => {
      setTimeout(() => complete(a, -111, false), ms);
    };
    const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => ({
      name: 'handle',
      start(h) {
        const a = h as Attempt;
        starts.set(a.port, (starts.get(a.port) ?? 0) + 1);
        if (a.history.tries === 0) {
          if (a.port % 4 !== 0) answer(a, complete);
          return 0; // lossy ports: the first try is lost
        }
        const first = a.twin;
        if (first === null) {
          // A retry sent once (before the path showed it loses packets), or the first copy of a pair: its
          // fate is decided when its second copy starts; a retry sent once answers after TIMEOUT_MS / 2.
          setTimeout(() => {
            if (a.twin === null && !secondCopyOf.has(a) && !a.done) complete(a, -111, false);
          }, TIMEOUT_MS / 2);
          return 0;
        }
        secondCopyOf.add(first);
        seconds.set(a.port, (seconds.get(a.port) ?? 0) + 1);
        const kind = a.port % 3;
        if (kind === 0) answer(a, complete, 2);
        else if (kind === 1 && a.history.tries === 1) return 0; // both copies silent
        else if (kind === 1) answer(a, complete, 2);
        else {
          answer(first, complete, 2);
          return -24; // EMFILE, at once
        }
        return 0;
      },
      abort(h) {
        aborted.push(h as Attempt);
      },
    });
    const s = spec();
    const { records, last } = await runFaked(new Engine(s, { backend }), s);

    // Every position decided once, and right.
    expect(records).toHaveLength(PORTS);
    expect(new Set(records.map((r) => r.k)).size).toBe(PORTS);
    expect(records.every((r) => r.state === 'closed' && r.reason === 'ECONNREFUSED')).toBe(true);
    expect(last.progress.watermark).toBe(PORTS);

    // Retries went out twice once the first ones had been answered, on each kind of port.
    const twinned = [...seconds.keys()];
    expect(twinned.length).toBeGreaterThan(10);
    for (const kind of [0, 1, 2]) expect(twinned.some((p) => p % 3 === kind)).toBe(true);
    for (const port of twinned) {
      const kind = port % 3;
      // kind 1: the first try, two silent copies, then two more; else the first try and one pair.
      expect(seconds.get(port)).toBe(kind === 1 ? 2 : 1);
      expect(starts.get(port)).toBe(kind === 1 ? 5 : 3);
    }
    // kind 0: the silent first copy was closed when the second answered.
    const closedFirsts = aborted.filter((a) => a.port % 3 === 0 && a.history.tries === 1 && a.twin === null);
    expect(closedFirsts.length).toBe(twinned.filter((p) => p % 3 === 0).length);
  });

  it.each([1, 2, 3, 4, 5])('a host given up (--host-timeout) while a second copy waits: the first copy still decides its position, once (run %i)', async () => {
    // --host-rate 500/s spaces the probes 2 ms apart, so each second copy
    // waits while its first copy flies (retries answer after 10 ms); the host
    // is given up 80 ms in. Every first try but port 1's is lost.
    const ports = 40;
    const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => ({
      name: 'handle',
      start(h) {
        const a = h as Attempt;
        if (a.history.tries > 0 || a.port === 1) setTimeout(() => complete(a, -111, false), a.port === 1 ? 1 : 10);
        return 0;
      },
      abort() {},
    });
    const timing = { initialMs: TIMEOUT_MS, minMs: TIMEOUT_MS, maxMs: TIMEOUT_MS, retries: 6, hostTimeoutMs: 80, window: 1 << 16, hosts: 1 };
    const s = spec({ timing, hosts: createHostTable(1, 1 << 16, true), rate: createRateShared(0, 500), ports: Uint16Array.from({ length: ports }, (_, i) => i + 1) });
    const { records } = await run(new Engine(s, { backend }), ports, s);
    expect(new Set(records.map((r) => r.k)).size).toBe(records.length);
    expect(records).toHaveLength(ports);
    expect(records.some((r) => r.reason === 'host-timeout')).toBe(true);
  });
});
