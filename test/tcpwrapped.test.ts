/**
 * --banners on a service that completes the handshake and then resets or
 * closes at once: nmap's tcpwrapped. A reset that beat the connect's
 * completion (recorded open, ECONNRESET) had no service fields at all, and one
 * read by the banner stage got the port table's guess. Loopback only.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ndjson, runCli } from './helpers/cli.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(onConnect: (s: import('node:net').Socket) => void): Promise<number> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    onConnect(s);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('tcpwrapped', () => {
  it('a service that resets or closes every connection at once is open and tcpwrapped, whichever way the reset was seen', async () => {
    const reset = await listen((s) => s.resetAndDestroy());
    const closed = await listen((s) => s.destroy());
    const r = await runCli(['127.0.0.1', '-p', `${reset},${closed}`, '--banners', '-f', 'ndjson', '-q', '--no-out-dir'], { killAfterMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const records = ndjson(r.stdout);
    expect(records).toHaveLength(2);
    for (const x of records) expect(x, JSON.stringify(x)).toMatchObject({ state: 'open', service: 'tcpwrapped', serviceSource: 'probe' });
  });
});
