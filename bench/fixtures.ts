/**
 * Bench-only loopback fixtures that test/fixtures/net.ts does not have:
 * listeners on chosen (host, port) pairs, for W2's "common ports", and the
 * choice of a port nobody listens on, for W4.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { isLoopback } from '../src/targets/ip.js';
import type { Fixture } from '../test/fixtures/net.js';
import type { Listener } from './listeners.js';

/** A listener the bench opened, by "host:port". */
export interface PairFixture extends Fixture {
  keys: string[];
}

/**
 * Accepting listeners on the given pairs. A pair somebody else already holds
 * (EADDRINUSE) is skipped, not fatal: its listener is real and the ground
 * truth counts it anyway.
 */
export async function listenAt(pairs: readonly { host: string; port: number }[]): Promise<PairFixture> {
  const servers: net.Server[] = [];
  const keys: string[] = [];
  for (const { host, port } of pairs) {
    if (!isLoopback(host)) throw new Error(`listenAt: ${host} is not a loopback address`);
    const server = net.createServer((socket) => socket.destroy());
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen({ host, port, exclusive: true }, () => resolve(true));
    });
    if (!ok) continue;
    server.on('error', () => undefined);
    servers.push(server);
    keys.push(`${host}:${port}`);
  }
  return {
    ports: pairs.map((p) => p.port),
    keys,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** The first port of the kernel's ephemeral range (connect() picks source ports from it). */
export function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch (err) {
    void err; // not Linux: the common default
    return 32768;
  }
}

/**
 * A port with no listener on any address, below the ephemeral range: a scan
 * of it gets RST everywhere and never meets its own source port (a loopback
 * self-connect would look open).
 */
export function freePort(listeners: readonly Listener[], from = 1024): number {
  const taken = new Set(listeners.map((l) => l.port));
  for (let p = from; p < ephemeralLow(); p++) if (!taken.has(p)) return p;
  throw new Error('no free port below the ephemeral range');
}

/** A seeded PRNG (mulberry32): the same seed places the same W2 listeners. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
