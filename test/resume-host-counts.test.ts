/**
 * A resumed scan's reports that list hosts (-oN, -oX, -oG) give per-host
 * counts as an uninterrupted scan's do: its coordinator counts only its own
 * positions, and a resumed -oX had no <extraports>, -oG no Ignored State, and
 * -oN "Not shown: 199 closed/filtered/error ports" (helper 20). Loopback only.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

let server: Server;
let open = 0;
beforeAll(async () => {
  server = createServer((c) => c.on('error', () => undefined).destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => server.close(r)));

/** `n` distinct loopback ports nothing listens on: each a listener's port a moment ago (all held till the last, so none twice). */
async function freePorts(n: number): Promise<number[]> {
  const held: Server[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    held.push(s);
  }
  const ports = held.map((s) => (s.address() as { port: number }).port);
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** What -oA wrote of per-host counts: xml's extraports, grep's Ignored State, text's Not shown lines. */
function counts(cwd: string, base: string): string[] {
  const read = (ext: string): string => readFileSync(join(cwd, `${base}.${ext}`), 'utf8');
  return [...read('xml').matchAll(/<extraports[^>]*>/g), ...read('gnmap').matchAll(/Ignored State: [^\t\n]*/g), ...read('nmap').matchAll(/Not shown: [^\n]*/g)].map((m) => m[0]);
}

describe('a resumed scan\'s per-host counts', () => {
  it.each([[[]], [['--states', 'open,filtered']]])('are an uninterrupted scan\'s (%j)', async (states) => {
    const cwd = scratchDir();
    // 2 hosts × 200 ports: the open one and 199 that were free a moment ago (a range of ports around it met other
    // tests' listeners, some with full queues: filtered, and then the closed ports could not be told apart).
    const ports = [open, ...(await freePorts(199))].join(',');
    const scan = ['127.0.0.1-2', '-p', ports, '--seed', '3', '-q', ...states];
    const first = await runCli([...scan, '--rate', '400', '--max-time', '0.3', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(first.stderr).toMatch(/stopped at --max-time after \d+\/400 probes/);
    const resumed = await runCli(['resume', 'd', '-q', '--no-max-time', '-oA', 'r'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    const whole = await runCli([...scan, '--no-out-dir', '-oA', 'w', '-o', '/dev/null'], { cwd });
    expect(whole.code, whole.stderr).toBe(0);
    const expected = counts(cwd, 'w');
    expect(expected).toContain('<extraports state="closed" count="200">');
    expect(counts(cwd, 'r')).toEqual(expected);
  }, 60_000);
});
