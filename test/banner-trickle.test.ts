/**
 * A greeting trickled one byte every 100 ms is read to its line end within
 * the port's budget: it was cut 250 ms after the listen ended (0.85 s of
 * 3 s), at "SSH-2.0-", and left unknown where nmap -sV names it ssh. A
 * greeting that stops mid-line for good still ends at one silence, not the
 * whole budget.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { grabPlan } from '../workers/banner/grab.js';
import { grabOne } from '../workers/banner/one.js';
import { ndjson, runCli } from './helpers/cli.js';

const GREETING = 'SSH-2.0-OpenSSH_9.2p1\r\n'; // 23 bytes: 2.3 s at 100 ms a byte, inside the 3 s default budget

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback service writing `text` one byte every 100 ms, then keeping the connection open. */
async function trickle(text: string): Promise<number> {
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    let i = 0;
    const t = setInterval(() => {
      if (c.destroyed || i >= text.length) return clearInterval(t);
      c.write(text[i++]!);
    }, 100);
    c.on('close', () => clearInterval(t));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('a trickled greeting', () => {
  it('is read to its line end and named ssh through the CLI (it was unknown, banner "SSH-2.0-")', async () => {
    const port = await trickle(GREETING);
    const r = await runCli(['127.0.0.1', '-p', String(port), '--banners', '--no-out-dir', '-f', 'ndjson', '-q'], { killAfterMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    const recs = ndjson(r.stdout);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ state: 'open', service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: '9.2p1', banner: 'SSH-2.0-OpenSSH_9.2p1\\r\\n' });
    expect(r.ms).toBeLessThan(3000 + 5000); // the budget, plus the CLI's start-up on a loaded machine
  });

  it('that stops mid-line ends one silence after its last byte, not at the end of the budget', async () => {
    const plan = grabPlan(3000);
    const port = await trickle('SSH-2.0-Open'); // 12 bytes, the last at 1.2 s, then nothing
    const r = await grabOne('127.0.0.1', port, { timeoutMs: 3000 });
    expect(r.info).toMatchObject({ service: 'ssh', serviceSource: 'probe', banner: 'SSH-2.0-Open' });
    expect(r.ms).toBeGreaterThan(1200);
    expect(r.ms).toBeLessThan(1200 + plan.greetingIdleMs + 400); // not the 3 s budget
  });
});
