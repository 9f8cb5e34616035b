/**
 * The connect loop with a fake probe backend, so answer timing is exact:
 * the window limit, "a timeout cannot beat a real answer", and local errors.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { createHostTable } from '../src/wire/hosts.js';
import type { ChunkTask, TimingParams, WorkerMessage, WorkerScanSpec } from '../src/wire/messages.js';
import { type WireRecordView, readRecords } from '../src/wire/records.js';
import { SharedSlots } from '../src/wire/slots.js';
import { TimingTotals } from '../src/wire/timing.js';
import type { AttemptHandle } from '../workers/backends/index.js';
import { statusOf } from '../workers/backends/errno.js';
import { Engine } from '../workers/loop.js';
import { fakeBackend } from './helpers/engine.js';

/** One timeout for every attempt, no retries. */
function fixedTiming(ms: number): TimingParams {
  return { initialMs: ms, minMs: ms, maxMs: ms, retries: 0, hostTimeoutMs: null, window: 1 << 16, hosts: 1 };
}

function spec(over: Partial<WorkerScanSpec> = {}): WorkerScanSpec {
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
  return {
    specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: 50 }, (_, i) => i + 1), permutation: null,
    timing: fixedTiming(50), hosts: createHostTable(1, 1 << 16), originMs: performance.timeOrigin,
    window: 8, engine: 'handle', emit: { open: true, closed: true, filtered: true, error: true },
    rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: over.window ?? 8, lateBudget: Math.floor((over.window ?? 8) / 4), ...over,
  };
}

/** Run one chunk covering every port; collect records and the final progress. */
async function runChunk(engine: Engine, count: number): Promise<{ records: WireRecordView[]; last: WorkerMessage; timing: TimingTotals }> {
  const { port1, port2 } = new MessageChannel();
  const records: WireRecordView[] = [];
  const timing = new TimingTotals();
  let last: WorkerMessage | null = null;
  port1.on('message', (m: WorkerMessage) => {
    if (m.t === 'hungry') return;
    readRecords(m.records, (r) => records.push({ ...r }));
    if (m.progress.timing) timing.add(m.progress.timing);
    last = m;
  });
  const task: ChunkTask = { spec: spec(), chunkId: 0, attempt: 0, start: 0, stride: 1, count, fromK: 0, skip: [], port: port2 };
  await engine.run(task);
  await new Promise((r) => setTimeout(r, 20));
  port1.close();
  return { records, last: last!, timing };
}

describe('engine', () => {
  it('never has more than `window` attempts in flight, and starts one as soon as one ends', async () => {
    let inFlight = 0;
    let peak = 0;
    let started = 0;
    // Turns after an answer that ended with fewer than 8 in flight while positions were left to start.
    let gaps = 0;
    const fake = fakeBackend((a, complete) => {
      inFlight++;
      started++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        complete(a, -111, false);
        // By the end of this loop turn (the check phase, where the engine refills) the window is full again.
        setImmediate(() => {
          if (started < 50 && inFlight !== 8) gaps++;
        });
      }, 1 + (a.port % 3));
      return 0;
    });
    const { records } = await runChunk(new Engine(spec({ window: 8 }), { backend: fake }), 50);
    expect(peak).toBe(8);
    expect(started).toBe(50);
    expect(gaps).toBe(0);
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.state === 'closed' && r.reason === 'ECONNREFUSED')).toBe(true);
  });

  it('an answer that arrives in the same loop turn as the deadline wins over the timeout', async () => {
    // The answer is delivered by the engine's own deadline timer, right after
    // the engine's callback returns: the same timers phase, before any check
    // phase, as a socket answer polled in that loop turn would be. (A second
    // timer with the same delay was not enough: Node stamps each timer with the
    // loop clock, and a millisecond boundary between the two put the answer in
    // the next turn now and then.) The engine defers expiry past that phase,
    // so the answer counts; an engine deciding inside the timer callback fails.
    let answer: (() => void) | null = null;
    const fake = fakeBackend((a, complete) => {
      answer = () => complete(a, -111, false);
      return 0;
    });
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...args: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
      // The deadline timer (50 ms); the loop's 1-5 ms pump timers are left alone.
      if (answer !== null && (ms ?? 0) >= 10) {
        const reply = answer;
        answer = null;
        return realSetTimeout((...args: unknown[]) => {
          fn(...args);
          reply();
        }, ms, ...rest);
      }
      return realSetTimeout(fn, ms, ...rest);
    }) as typeof setTimeout);
    try {
      const reasons: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { records } = await runChunk(new Engine(spec({ window: 1, timing: fixedTiming(50) }), { backend: fake }), 1);
        reasons.push(...records.map((r) => r.reason));
      }
      expect(reasons).toEqual(Array(5).fill('ECONNREFUSED'));
    } finally {
      spy.mockRestore();
    }
  });

  it('a deadline that passes during a long poll phase waits a turn: an answer still unread in the kernel wins', async () => {
    // Two attempts, deadlines at 500 ms. At 400 ms a "poll phase" begins: it
    // delivers the first answer and then runs until 600 ms (thousands of answers
    // on a slow path take that long). The second answer came in after that
    // phase read the kernel, so it is delivered in the next turn. Deciding
    // every deadline up to "now" in this turn's check phase called it filtered.
    // (At 40, 50 and 60 ms a timer 10 ms late on a loaded machine started the
    // phase after the deadlines: 100 ms of margin now.)
    const realSetTimeout = globalThis.setTimeout;
    const started: AttemptHandle[] = [];
    const fake = fakeBackend((a, complete) => {
      started.push(a);
      if (started.length === 2) {
        const t0 = performance.now();
        realSetTimeout(() => {
          complete(started[0]!, -111, false);
          while (performance.now() - t0 < 600);
          setImmediate(() => complete(started[1]!, -111, false));
        }, 400);
      }
      return 0;
    });
    const { records } = await runChunk(new Engine(spec({ window: 2, ports: Uint16Array.of(1, 2), timing: fixedTiming(500) }), { backend: fake }), 2);
    expect(records.map((r) => `${r.port} ${r.state} ${r.reason}`).sort()).toEqual(['1 closed ECONNREFUSED', '2 closed ECONNREFUSED']);
  });

  it('times the answers of one long poll phase by its start: the work on earlier answers is not in later round trips', async () => {
    // Both answers were in the kernel when the phase began, 10 ms after the
    // probes left; handling the first (and, on a busy path, thousands more)
    // takes 40 ms before the second's callback runs. Timed by its callback,
    // the second read ~50 ms.
    const realSetTimeout = globalThis.setTimeout;
    const started: AttemptHandle[] = [];
    // Bounds for both round trips: started no later than t0 (when the second started), delivered no earlier than firedAt.
    let t0 = 0;
    let firedAt = 0;
    const fake = fakeBackend((a, complete) => {
      started.push(a);
      if (started.length === 2) {
        t0 = performance.now();
        // Node stamps a timer with the loop's clock, which may be a little behind: 10 ms may come a little sooner.
        realSetTimeout(() => {
          firedAt = performance.now();
          complete(started[0]!, -111, false);
          const t = performance.now();
          while (performance.now() - t < 40);
          complete(started[1]!, -111, false);
        }, 10);
      }
      return 0;
    });
    const { records } = await runChunk(new Engine(spec({ window: 2, ports: Uint16Array.of(1, 2), timing: fixedTiming(1000) }), { backend: fake }), 2);
    expect(records).toHaveLength(2);
    const [first, second] = [...records].sort((x, y) => x.rttMs - y.rttMs);
    expect(first!.rttMs).toBeGreaterThanOrEqual(Math.floor((firedAt - t0) * 1000) / 1000);
    // Both answered at the phase's start, before the 40 ms of work: the same instant. (Their round trips may
    // differ by the gap between the two launches, 5.5 ms once on a loaded CI machine: not what this tests.)
    expect(Math.abs(second!.tsMs - first!.tsMs)).toBeLessThan(1);
    expect(second!.tsMs).toBeLessThan(performance.timeOrigin + firedAt + 5);
  });

  it('decides a silent attempt at its deadline, never before', async () => {
    const silent = fakeBackend(() => 0);
    const t0 = performance.now();
    const { records } = await runChunk(new Engine(spec({ window: 10, timing: fixedTiming(80) }), { backend: silent }), 10);
    expect(records).toHaveLength(10);
    for (const r of records) {
      expect(r.reason).toBe('timeout');
      expect(r.rttMs).toBeGreaterThanOrEqual(80);
    }
    // At the deadline, not some later fallback; the margin is for timers a loaded machine fires 100 ms and more late.
    expect(performance.now() - t0).toBeLessThan(80 * 6);
  });

  it("the summary's timeouts are the ones attempts ended with, after the first answer retimed them", async () => {
    // Eight attempts leave on the initial 1 s timeout; the first answers (a
    // SYN-ACK: a reset alone does not time a host, timing.ts) after 5 ms,
    // which retimes the other seven to srtt + 4 × rttvar (25 ms, the 20 ms
    // floor of min): they time out then, and that is the timeout that ran out.
    const fake = fakeBackend((a, complete) => {
      if (a.port === 1) setTimeout(() => complete(a, 0, false), 5);
      return 0;
    });
    const timing: TimingParams = { initialMs: 1000, minMs: 20, maxMs: 3000, retries: 0, hostTimeoutMs: null, window: 1 << 16, hosts: 1 };
    const engine = new Engine(spec({ window: 8, timing, ports: Uint16Array.from({ length: 8 }, (_, i) => i + 1) }), { backend: fake });
    const { records, timing: totals } = await runChunk(engine, 8);
    expect(records.filter((r) => r.state === 'filtered')).toHaveLength(7);
    const used = totals.summary().timeout!;
    // The seven that ran out; the answered one's timeout was set, not used (it was counted, and a scan where
    // every attempt was answered said "timeouts p50 1000 ms").
    expect(used.samples).toBe(7);
    // Retimed, not the initial 1000 ms: 25 ms for a 5 ms answer, five times the round trip for one a loaded
    // machine's timer delivered late (100 ms for 20 ms).
    expect(used.p50).toBeLessThan(500);
  });

  it('a local error shrinks the window, backs off and retries; it is never a port state', async () => {
    // A descriptor limit of 5 under a window of 16: the sixth socket gets EMFILE,
    // synchronously, as connect() reports it.
    let open = 0;
    let emfile = 0;
    const limited = fakeBackend((a, complete) => {
      if (open >= 5) {
        emfile++;
        return -24;
      }
      open++;
      setTimeout(() => {
        open--;
        complete(a, -111, false);
      }, 2);
      return 0;
    });
    const { records, last } = await runChunk(new Engine(spec({ window: 16, ports: Uint16Array.from({ length: 300 }, (_, i) => i + 1) }), { backend: limited }), 300);
    expect(records).toHaveLength(300);
    expect(new Set(records.map((r) => r.k)).size).toBe(300);
    expect(records.every((r) => r.reason === 'ECONNREFUSED')).toBe(true);
    expect(last.progress.watermark).toBe(300);
    expect(emfile).toBeGreaterThan(0);
    // The window settled under the limit: far fewer failures than probes.
    expect(emfile).toBeLessThan(100);
  });

  it('a connect reported done that did not connect (ENOTCONN, from the backends) is probed again: never open, never a state of its own', async () => {
    // The kernel raised an error and its errno was gone when SO_ERROR was read: libuv said "connected".
    const tries = new Map<number, number>();
    const fake = fakeBackend((a, complete) => {
      const n = (tries.get(a.port) ?? 0) + 1;
      tries.set(a.port, n);
      setTimeout(() => complete(a, n === 1 && a.port % 2 === 0 ? statusOf('ENOTCONN') : -111, false), 1);
      return 0;
    });
    const { records } = await runChunk(new Engine(spec({ window: 8, ports: Uint16Array.from({ length: 20 }, (_, i) => i + 1) }), { backend: fake }), 20);
    expect(records.map((r) => `${r.port} ${r.state} ${r.reason}`).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `${i + 1} closed ECONNREFUSED`).sort());
    expect([...tries.entries()].filter(([, n]) => n === 2).map(([p]) => p).sort((x, y) => x - y)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  });

  it('no route to a host that has answered is a local failure, retried; it is never a record', async () => {
    // Ports 1-20 answer; then 8 connects fail at once with ENETUNREACH (the
    // source address deleted mid-scan), and the route comes back.
    let failed = 0;
    const flapping = fakeBackend((a, complete) => {
      if (a.port > 20 && failed < 8) {
        failed++;
        return -101;
      }
      setTimeout(() => complete(a, -111, false), 1);
      return 0;
    });
    const { records } = await runChunk(new Engine(spec(), { backend: flapping }), 50);
    expect(failed).toBe(8);
    expect(records).toHaveLength(50);
    expect(records.filter((r) => r.reason !== 'ECONNREFUSED')).toEqual([]);
  });

  it('no route to a host that never answered: an error record per position, at once', async () => {
    let tries = 0;
    const noRoute = fakeBackend(() => {
      tries++;
      return -101;
    });
    const { records } = await runChunk(new Engine(spec(), { backend: noRoute }), 50);
    expect(tries).toBe(50);
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.state === 'error' && r.reason === 'ENETUNREACH')).toBe(true);
  });
});
