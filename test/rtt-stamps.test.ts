/**
 * Where an answer's round trip is counted from and to. From the SYN: each
 * backend stamps an attempt's sentAt just before its connect() (the loop's own work
 * for the launch, ~1-2 ms for a cold process's first, read as network time
 * before). To the earliest callback of the poll phase that delivered the
 * answer: one the coordinator ran for a chunk's message counts
 * (src/wire/poll-phase.ts); a 3-port loopback scan's RTTs read 1.2-2.4 ms
 * for a ~0.05 ms path.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollMark, phaseStart } from '../src/wire/poll-phase.js';
import { createHandleBackend } from '../workers/backends/handle.js';
import { createSocketBackend } from '../workers/backends/socket.js';
import type { AttemptHandle, ProbeBackend } from '../workers/backends/types.js';
import { PhaseClock } from '../workers/phase-clock.js';

const spin = (ms: number): void => {
  const t = performance.now();
  while (performance.now() - t < ms);
};

let server: net.Server;
let port = 0;

beforeAll(async () => {
  server = net.createServer((c) => c.on('error', () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('a round trip counts from the SYN', () => {
  const backends: [string, (done: (a: AttemptHandle, status: number) => void) => ProbeBackend][] = [
    ['handle', (done) => createHandleBackend(done, null)!],
    ['socket', (done) => createSocketBackend(done, null)],
  ];
  for (const [name, make] of backends) {
    it(`${name}: sentAt is stamped by the backend as it connects, not when the loop made the attempt`, async () => {
      let answered!: (status: number) => void;
      const status = new Promise<number>((r) => (answered = r));
      const b = make((_, s) => answered(s));
      const launched = performance.now() - 50; // the loop's stamp, 50 ms of its own work before the connect
      const a: AttemptHandle = { host: '127.0.0.1', port, v6: false, handle: null, done: false, bindFirst: false, keep: false, sentAt: launched };
      const before = performance.now();
      expect(b.start(a)).toBe(0);
      expect(a.sentAt).toBeGreaterThanOrEqual(before);
      expect(a.sentAt).toBeLessThanOrEqual(performance.now());
      expect(await status).toBe(0);
      a.done = true;
      b.abort(a);
    });
  }
});

describe('a round trip counts to the poll phase\'s first callback', () => {
  it('an answer after a marked callback of its phase is timed at the mark; the mark is gone by the next phase', async () => {
    await new Promise((r) => setImmediate(r)); // a fresh turn: no mark left
    expect(phaseStart()).toBe(0);
    const start = performance.now() - 10;
    pollMark();
    const mark = phaseStart();
    spin(3); // the coordinator's handler runs before the engine's answers
    pollMark(); // a second message of the phase keeps the first mark
    expect(phaseStart()).toBe(mark);
    const c = new PhaseClock();
    expect(c.answerAt(start, false)).toBe(mark);
    expect(c.polledAt).toBe(mark);
    await new Promise((r) => setImmediate(r));
    expect(phaseStart()).toBe(0);
  });

  it('two engines on one thread share the phase: its first 512 answers between them, not 512 each', async () => {
    await new Promise((r) => setImmediate(r));
    const start = performance.now() - 10;
    const a = new PhaseClock();
    const b = new PhaseClock();
    const phase = a.answerAt(start, false);
    for (let i = 1; i < 512; i++) expect((i % 2 === 0 ? a : b).answerAt(start, false)).toBe(phase);
    spin(1);
    expect(b.answerAt(start, false)).toBeGreaterThan(phase);
  });

  it('an attempt started after the mark is timed by the clock, never before it started', () => {
    pollMark();
    spin(1);
    const start = performance.now();
    spin(1);
    const c = new PhaseClock();
    expect(c.answerAt(start, false)).toBeGreaterThan(start);
  });
});
