/** Runs one chunk through the connect loop (workers/loop.ts) with a fake backend, as the coordinator would take its records. */
import { MessageChannel } from 'node:worker_threads';
import { vi } from 'vitest';
import { TargetSet } from '../../src/targets/set.js';
import { createHostTable } from '../../src/wire/hosts.js';
import type { ChunkTask, WorkerMessage, WorkerScanSpec } from '../../src/wire/messages.js';
import { type WireRecordView, readRecords } from '../../src/wire/records.js';
import { SharedSlots } from '../../src/wire/slots.js';
import { TimingTotals } from '../../src/wire/timing.js';
import type { AttemptHandle, BackendFactory, CompleteFn } from '../../workers/backends/index.js';
import { Engine } from '../../workers/loop.js';

/** The records of positions 0 to count − 1 of the spec's walk. */
export async function runChunk(s: WorkerScanSpec, backend: BackendFactory, count: number): Promise<WireRecordView[]> {
  const { port1, port2 } = new MessageChannel();
  const records: WireRecordView[] = [];
  const slots = new SharedSlots(s.slots);
  port1.on('message', (m: WorkerMessage) => {
    if (m.t === 'hungry') return;
    // As the coordinator: records taken (the workers stop at MAX_BACKLOG untaken).
    readRecords(m.records, (r) => records.push({ ...r }));
    slots.taken(m.records.n);
  });
  const task: ChunkTask = { spec: s, chunkId: 0, attempt: 0, start: 0, stride: 1, count, fromK: 0, skip: [], port: port2 };
  await new Engine(s, { backend }).run(task);
  await new Promise((r) => setTimeout(r, 20));
  port1.close();
  return records;
}

/**
 * One chunk of positions 0 to count − 1 through the connect loop on fake timers (setTimeout, setImmediate,
 * setInterval, performance), stepped 1 ms at a time for at most `maxMs`: the times are exact. The backend
 * factory is called once the timers are fake (its performance.now() is theirs). Returns the records, the timing
 * totals the messages carried, and when the run ended (ms from its start; -1: not within `maxMs`).
 */
export async function runChunkOnFakeTime(s: WorkerScanSpec, backend: BackendFactory, count: number, maxMs: number): Promise<{ records: WireRecordView[]; timing: TimingTotals; endedMs: number }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'performance'] });
  try {
    const { port1, port2 } = new MessageChannel();
    const records: WireRecordView[] = [];
    const timing = new TimingTotals();
    port1.on('message', (m: WorkerMessage) => {
      if (m.t === 'hungry') return;
      readRecords(m.records, (r) => records.push({ ...r }));
      if (m.progress.timing) timing.add(m.progress.timing);
    });
    const task: ChunkTask = { spec: s, chunkId: 0, attempt: 0, start: 0, stride: 1, count, fromK: 0, skip: [], port: port2 };
    const t0 = performance.now();
    let endedMs = -1;
    const done = new Engine(s, { backend }).run(task).then(() => (endedMs = performance.now() - t0));
    for (let ms = 0; endedMs < 0 && ms < maxMs; ms++) await vi.advanceTimersByTimeAsync(1);
    if (endedMs >= 0) await done;
    await vi.advanceTimersByTimeAsync(20);
    port1.close();
    return { records, timing, endedMs };
  } finally {
    vi.useRealTimers();
  }
}

/** A fake probe backend: `start(attempt, complete)` decides when (and whether) an answer comes. */
export function fakeBackend(start: (a: AttemptHandle, complete: CompleteFn) => number): BackendFactory {
  return (_engine, complete) => ({ name: 'handle', start: (a) => start(a, complete), abort() {} });
}

/**
 * One host (127.0.0.1) × ports 1 to `ports`, on adaptive timing: initial 1 s,
 * `minMs` the floor, 3 s the ceiling, 2 retries; a window of `window`, a
 * quarter of it for late sockets.
 */
export function oneHostSpec(ports: number, { minMs = 10, window = 64 } = {}): WorkerScanSpec {
  return {
    specId: `t${Math.random()}`, targets: TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData(),
    ports: Uint16Array.from({ length: ports }, (_, i) => i + 1), permutation: null,
    timing: { initialMs: 1000, minMs, maxMs: 3000, retries: 2, hostTimeoutMs: null, window: 64, hosts: 1 },
    hosts: createHostTable(1, 64), originMs: performance.timeOrigin, window, engine: 'handle',
    emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: window,
    lateBudget: Math.max(1, Math.floor(window / 4)),
  };
}
