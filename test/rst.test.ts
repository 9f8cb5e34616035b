/**
 * Probes end with an RST, so a scan leaves no TIME_WAIT sockets behind (a FIN
 * close would leave one per open port on the side that closed first).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';

/** TIME_WAIT sockets on loopback that involve one of `ports` (from /proc/net/tcp), as "local remote" pairs. */
function timeWait(ports: readonly number[]): Set<string> {
  const wanted = new Set(ports);
  const found = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '06') continue; // 06 = TIME_WAIT
    const local = parseInt(f[1]!.split(':')[1]!, 16);
    const remote = parseInt(f[2]!.split(':')[1]!, 16);
    if (wanted.has(local) || wanted.has(remote)) found.add(`${f[1]} ${f[2]}`);
  }
  return found;
}

/**
 * TIME_WAIT sockets now that were not there `before`. A count would not do:
 * a listener's kernel-chosen port may be one another test's connection used
 * a moment ago, and its TIME_WAIT expiring during the scan made the count
 * fall by 2 (seen once in CI).
 */
function newTimeWait(before: Set<string>): string[] {
  return [...timeWait(ports)].filter((t) => !before.has(t));
}

let servers: net.Server[] = [];
let held: net.Socket[] = [];
let ports: number[] = [];

beforeAll(async () => {
  // Listeners that keep every connection open: only the prober's close ends them.
  for (let i = 0; i < 4; i++) {
    const s = net.createServer((c) => {
      held.push(c);
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    servers.push(s);
  }
  ports = servers.map((s) => (s.address() as net.AddressInfo).port);
});

afterAll(async () => {
  for (const c of held) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  servers = [];
  held = [];
});

describe('closing probes', () => {
  it.each(['handle', 'socket'] as const)('leaves no TIME_WAIT behind (engine %s)', async (engine) => {
    const before = timeWait(ports);
    // 32 scans × 4 open ports = 128 handshakes.
    const handle = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: ports.join(','), engine });
    const open = [];
    for await (const r of handle) open.push(r);
    for (let i = 0; i < 31; i++) for await (const r of scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: ports.join(','), engine })) open.push(r);
    expect(open).toHaveLength(128);
    await new Promise((r) => setTimeout(r, 200));
    expect(newTimeWait(before)).toEqual([]);
  });

  it('the check can fail: a FIN close does leave TIME_WAIT', async () => {
    const before = timeWait(ports);
    await new Promise<void>((resolve) => {
      const s = net.connect(ports[0]!, '127.0.0.1', () => s.end());
      s.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(newTimeWait(before).length).toBeGreaterThan(0);
  });
});
