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

/** What -oA wrote of per-host counts: xml's extraports, grep's Ignored State, text's Not shown lines. */
function counts(cwd: string, base: string): string[] {
  const read = (ext: string): string => readFileSync(join(cwd, `${base}.${ext}`), 'utf8');
  return [...read('xml').matchAll(/<extraports[^>]*>/g), ...read('gnmap').matchAll(/Ignored State: [^\t\n]*/g), ...read('nmap').matchAll(/Not shown: [^\n]*/g)].map((m) => m[0]);
}

describe('a resumed scan\'s per-host counts', () => {
  it.each([[[]], [['--states', 'open,filtered']]])('are an uninterrupted scan\'s (%j)', async (states) => {
    const cwd = scratchDir();
    // 2 hosts × 200 ports around the open one: 127.0.0.1 has it open, 127.0.0.2 none.
    const ports = `${open - 100}-${open + 99}`;
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
