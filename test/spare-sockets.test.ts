/**
 * The handle backend connects a refused socket again (spare sockets,
 * workers/backends/handle.ts): the probe that takes one reports its own
 * answer, refused or open; sockets bound to a source are never kept, nor more
 * than the rule allows; idle() closes what is kept.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOf } from '../workers/backends/errno.js';
import { createHandleBackend } from '../workers/backends/handle.js';
import type { AttemptHandle, ProbeBackend } from '../workers/backends/types.js';
import { SharedSlots } from '../src/wire/slots.js';
import { Window } from '../workers/window.js';
import { closedPorts } from './fixtures/net.js';

const REFUSED = statusOf('ECONNREFUSED');

let server: net.Server;
let openPort = 0;
let closedPort = 0;
let accepted = 0;

beforeAll(async () => {
  server = net.createServer((c) => {
    accepted++;
    c.on('error', () => undefined); // the prober resets it
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  openPort = (server.address() as net.AddressInfo).port;
  // A port nothing listens on, from outside the ephemeral range: one the kernel had just handed out and taken back
  // could be handed to another test file's listener running alongside, and answer open.
  [closedPort] = (await closedPorts(1)) as [number];
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function attempt(port: number): AttemptHandle {
  return { host: '127.0.0.1', port, v6: false, handle: null, done: false, bindFirst: false, keep: false, sentAt: 0 };
}

/** A backend that may keep `spares` refused sockets, whose probes resolve with their status. */
function backend(spares: number, source: string | null = null): { b: ProbeBackend; probe: (port: number) => Promise<{ a: AttemptHandle; status: number }> } {
  const waiting = new Map<AttemptHandle, (status: number) => void>();
  const b = createHandleBackend((a, status) => waiting.get(a)?.(status), source, (kept) => kept < spares);
  if (b === null) throw new Error('no tcp_wrap binding');
  b.outsidePoll = true; // these probes start from promise callbacks, after the poll phase that answered the last one
  const probe = (port: number) =>
    new Promise<{ a: AttemptHandle; status: number }>((resolve, reject) => {
      const a = attempt(port);
      waiting.set(a, (status) => resolve({ a, status }));
      const err = b.start(a);
      if (err !== 0) reject(new Error(`connect failed at once: ${err}`));
    });
  return { b, probe };
}

/** The descriptor of a probe's TCP handle (tcp_wrap's fd getter), -1 once it is closed. */
const fdOf = (a: AttemptHandle): number => (a.handle as { fd: number }).fd;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('spare sockets', () => {
  it('a refused socket is connected again, and the probe on it reports its own answer', async () => {
    const { b, probe } = backend(4);
    const first = await probe(closedPort);
    expect(first.status).toBe(REFUSED);
    const second = await probe(closedPort);
    expect(second.status).toBe(REFUSED);
    expect(second.a.handle).toBe(first.a.handle);
    const before = accepted;
    const third = await probe(openPort);
    expect(third.status).toBe(0);
    expect(third.a.handle).toBe(first.a.handle);
    for (let i = 0; i < 50 && accepted === before; i++) await turn();
    expect(accepted).toBe(before + 1);
    b.idle?.();
  });

  it('takes no spare inside the poll phase (the loop says when it is outside)', async () => {
    const { b, probe } = backend(4);
    const first = await probe(closedPort);
    b.outsidePoll = false;
    const second = await probe(closedPort);
    expect(second.status).toBe(REFUSED);
    expect(second.a.handle).not.toBe(first.a.handle);
    expect(fdOf(first.a)).toBeGreaterThanOrEqual(0); // still kept
    b.outsidePoll = true;
    const third = await probe(closedPort);
    expect([first.a.handle, second.a.handle]).toContain(third.a.handle);
    b.idle?.();
  });

  it('keeps a refused socket open until idle() closes it', async () => {
    const { b, probe } = backend(4);
    const { a, status } = await probe(closedPort);
    expect(status).toBe(REFUSED);
    await turn();
    expect(fdOf(a)).toBeGreaterThanOrEqual(0);
    b.idle?.();
    expect(fdOf(a)).toBe(-1);
  });

  it('keeps none with no spares allowed, nor one bound to a source address', async () => {
    for (const [spares, source] of [
      [0, null],
      [4, '127.0.0.1'],
    ] as const) {
      const { probe } = backend(spares, source);
      const first = await probe(closedPort);
      expect(first.status).toBe(REFUSED);
      expect(fdOf(first.a)).toBe(-1);
      const second = await probe(closedPort);
      expect(second.a.handle).not.toBe(first.a.handle);
    }
  });

  it('keeps at most `spares` sockets', async () => {
    const { b, probe } = backend(2);
    const answers = await Promise.all([probe(closedPort), probe(closedPort), probe(closedPort), probe(closedPort)]);
    expect(answers.map((x) => x.status)).toEqual([REFUSED, REFUSED, REFUSED, REFUSED]);
    expect(answers.filter((x) => fdOf(x.a) >= 0)).toHaveLength(2);
    b.idle?.();
    expect(answers.filter((x) => fdOf(x.a) >= 0)).toHaveLength(0);
  });
});

describe('how many spares a worker keeps (Window.maySpare)', () => {
  it('only with work waiting, spares and attempts in flight within the worker limit (a full window keeps its answers, EMFILE cuts both), 1,024 spares at most', () => {
    // `inflight` counts the answered attempt itself: its descriptor is the one kept.
    const w = new Window(8, SharedSlots.createBuffer(), 100);
    expect(w.maySpare(8, 0)).toBe(false); // no work waiting: nothing to keep a socket for
    w.setHungry(true);
    expect(w.maySpare(8, 0)).toBe(true);
    expect(w.maySpare(8, 1)).toBe(false);
    expect(w.maySpare(5, 3)).toBe(true);
    expect(w.maySpare(5, 4)).toBe(false);
    expect(w.maySpare(9, 0)).toBe(false); // borrowing beyond its share: no descriptor to spare
    // After a local error (EMFILE) the limit is three quarters of what was in flight: so are spares and attempts.
    w.onLocalError(4, 0);
    expect(w.maySpare(3, 0)).toBe(true);
    expect(w.maySpare(3, 1)).toBe(false);
    const wide = new Window(100_000, SharedSlots.createBuffer(), 100_000);
    wide.setHungry(true);
    expect(wide.maySpare(1, 1023)).toBe(true);
    expect(wide.maySpare(1, 1024)).toBe(false);
  });
});
