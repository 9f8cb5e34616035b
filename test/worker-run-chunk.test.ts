/**
 * One engine per scan per thread (workers/run-chunk.ts), also while it is
 * being made: with --banners the banner stage loads first, and chunks handed
 * out meanwhile each got an engine of their own, and ran side by side, out of
 * order.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { createHostTable } from '../src/wire/hosts.js';
import type { ChunkTask, WorkerScanSpec } from '../src/wire/messages.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { AttemptHandle, CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { runChunkWith } from '../workers/run-chunk.js';

const WINDOW = 4;

function spec(): WorkerScanSpec {
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
  const timing = { initialMs: 200, minMs: 200, maxMs: 200, retries: 0, hostTimeoutMs: null, window: WINDOW, hosts: 1 };
  return {
    specId: `run-chunk-${Math.random()}`, targets, ports: Uint16Array.from({ length: 30 }, (_, i) => i + 1), permutation: null,
    timing, hosts: createHostTable(1, WINDOW), originMs: performance.timeOrigin,
    window: WINDOW, engine: 'handle', emit: { open: true, closed: true, filtered: true, error: true },
    rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: WINDOW, lateBudget: Math.floor(WINDOW / 4),
    banners: { timeoutMs: 100, maxBytes: 64, concurrency: 4, shares: [4], seat: new SharedArrayBuffer(4), names: {} },
  };
}

describe('chunks handed out while the engine is being made', () => {
  it('share one engine: one window, and the chunks start in the order they came', async () => {
    const s = spec();
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;
    let engines = 0;
    // Every port refuses (closed) after 2 ms: nothing reaches the banner stage. An engine makes its backend once.
    const backend = (_engine: unknown, complete: CompleteFn): ProbeBackend => (engines++, {
      name: 'handle',
      start: (a: AttemptHandle) => {
        started.push(a.port);
        peak = Math.max(peak, ++inFlight);
        setTimeout(() => {
          inFlight--;
          complete(a, -111, false);
        }, 2);
        return 0;
      },
      abort() {},
    });
    const ports: MessageChannel[] = [];
    const tasks = [0, 1, 2].map((id): ChunkTask => {
      const ch = new MessageChannel();
      ch.port1.on('message', () => undefined);
      ports.push(ch);
      return { spec: s, chunkId: id, attempt: 0, start: id * 10, stride: 1, count: 10, fromK: 0, skip: [], port: ch.port2 };
    });
    // Handed out in one go, as the coordinator's dispatch() does.
    const results = await Promise.all(tasks.map((t) => runChunkWith(t, { backend })));
    for (const ch of ports) ch.port1.close();
    expect(results.map((r) => r.stopped)).toEqual([false, false, false]);
    expect(engines).toBe(1);
    expect(started).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(WINDOW);
    expect(started.slice(0, 10).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("a chunk of another scan leaves a running scan's engine alone (the library's scans side by side on one thread)", async () => {
    const [a, b] = [spec(), spec()];
    let engines = 0;
    const backend = (_engine: unknown, complete: CompleteFn): ProbeBackend => (engines++, {
      name: 'handle',
      start: (x: AttemptHandle) => {
        setTimeout(() => complete(x, -111, false), 2);
        return 0;
      },
      abort() {},
    });
    const ports: MessageChannel[] = [];
    const task = (s: WorkerScanSpec, id: number): ChunkTask => {
      const ch = new MessageChannel();
      ch.port1.on('message', () => undefined);
      ports.push(ch);
      return { spec: s, chunkId: id, attempt: 0, start: id * 10, stride: 1, count: 10, fromK: 0, skip: [], port: ch.port2 };
    };
    // Scan a's first chunk runs while scan b's arrives; then a's next one.
    const first = runChunkWith(task(a, 0), { backend });
    await new Promise((r) => setTimeout(r, 1));
    const other = runChunkWith(task(b, 0), { backend });
    const next = runChunkWith(task(a, 1), { backend });
    await Promise.all([first, other, next]);
    for (const ch of ports) ch.port1.close();
    expect(engines).toBe(2);
  });
});
