/**
 * Ctrl+C while --banners reads open ports: the ports whose handshake
 * completed are results found, and are kept (recorded open, without what the
 * cut read would have told). They were dropped: "open 0, 0/5 probes", though
 * all five had answered. Loopback only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliResult, ndjson, runCli, scratchDir } from './helpers/cli.js';

const servers: Server[] = [];
const held: Socket[] = [];
afterAll(async () => {
  for (const s of held) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** Five listeners that accept and never say a word; `seen` counts the scanner's connections. */
async function silentPorts(seen: () => void): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = createServer((c) => {
      held.push(c);
      c.on('error', () => undefined);
      seen();
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    ports.push((s.address() as { port: number }).port);
  }
  return ports;
}

/**
 * Scan five silent listeners with --banners (each read would take 20 s) and
 * send `signal` 300 ms after the fifth connection: every port is open and
 * being read when the stop comes.
 */
async function stopDuringReads(args: string[], signal: NodeJS.Signals, cwd?: string): Promise<{ r: CliResult; ports: number[] }> {
  let connections = 0;
  let stop: (() => void) | null = null;
  const ports = await silentPorts(() => {
    if (++connections === 5) setTimeout(() => stop?.(), 300);
  });
  const r = await runCli(['127.0.0.1', '-p', ports.join(','), '--banners', '--banner-timeout', '20s', ...args], {
    ...(cwd === undefined ? {} : { cwd }),
    onSpawn: (child) => (stop = () => child.kill(signal)),
    killAfterMs: 30_000,
  });
  return { r, ports };
}

describe('Ctrl+C during banner reads', () => {
  it('keeps the open ports found, in the report and the shard directory', async () => {
    const dir = scratchDir();
    const { r, ports } = await stopDuringReads(['-f', 'ndjson', '--out-dir', 'd', '-o', 'r.ndjson', '--summary-json', 's.json'], 'SIGINT', dir);
    // Every port was probed before the stop: the scan is complete (it was "interrupted" at 5/5, and merge refused the
    // directory until a resume that had nothing to do).
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'complete', stopReason: null });
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ status: 'complete', stopReason: null, done: 5 });
    expect(r.stderr).toContain('shardscan: the stop came after every port was probed; the banner reads it cut name their ports from the port table\n');
    const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
    const report = ndjson(readFileSync(join(dir, 'r.ndjson'), 'utf8'));
    expect(sorted(report.map((x) => x.port as number))).toEqual(sorted(ports));
    expect(report.every((x) => x.state === 'open' && x.reason === 'syn-ack')).toBe(true);
    // Named from the port table, as a read --host-timeout cuts is (they had no service fields: a resume kept them bare).
    expect(report.every((x) => x.serviceSource === 'port' && typeof x.service === 'string')).toBe(true);
    expect(ndjson(readFileSync(join(dir, 'd', 'shard-1-of-1.ndjson'), 'utf8'))).toHaveLength(5);
    expect(r.stderr).toMatch(/open 5, closed 0/);
  });
});

describe('Ctrl+C with -q', () => {
  // -q: no summary; a stop that cut only banner reads says so in one line (it said "interrupted after 5/5 probes;
  // continue with: shardscan resume d", and the resume had nothing to do). A stop before the end: test/cli.test.ts.
  it('says the stop came after every port was probed, in one line', async () => {
    const { r } = await stopDuringReads(['-q', '--out-dir', 'd', '-o', '/dev/null'], 'SIGINT', scratchDir());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('\nshardscan: stopping (Ctrl+C again to quit at once)…\nshardscan: the stop came after every port was probed; the banner reads it cut name their ports from the port table\n');
  });

  it('and for SIGTERM, without a shard directory', async () => {
    const { r } = await stopDuringReads(['-q', '--no-out-dir', '-o', '/dev/null'], 'SIGTERM');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\nshardscan: stopping on SIGTERM \(send it again to quit at once\)…\nshardscan: the stop came after every port was probed; the banner reads it cut name their ports from the port table\n$/);
  });
});

describe('--host-timeout with --banners', () => {
  it('ends a banner read at the host\'s timeout, as nmap -sV does (it read for the whole --banner-timeout)', async () => {
    const ports = await silentPorts(() => undefined);
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', ports.join(','), '--banners', '--banner-timeout', '20s', '--host-timeout', '1s', '-f', 'ndjson', '-q', '--no-out-dir', '--summary-json', 's.json', '-oX', 'r.xml'], { killAfterMs: 30_000, cwd });
    expect(r.code).toBe(0);
    // The host is given up, as nmap -sV marks a host whose reads its --host-timeout cut (it was not: "0 hosts given up").
    expect((JSON.parse(readFileSync(join(cwd, 's.json'), 'utf8')) as { timing: { hostsGivenUp: number } }).timing.hostsGivenUp).toBe(1);
    expect(readFileSync(join(cwd, 'r.xml'), 'utf8')).toMatch(/<host [^>]*timedout="true"/);
    // The open ports found are kept; the reads were cut about 1 s in, far from the 20 s a read may take.
    expect(ndjson(r.stdout).filter((x) => x.state === 'open')).toHaveLength(5);
    expect(r.ms).toBeLessThan(10_000);
  });
});
