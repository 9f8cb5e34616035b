/**
 * Ctrl+C while --banners reads open ports: the ports whose handshake
 * completed are results found, and are kept (reported open, without what the
 * cut read would have told; they were once dropped: "open 0, 0/5 probes"),
 * but not checkpointed, so a resume reads them. Loopback only.
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

const GREETING = 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n';

/**
 * Five listeners that accept and never say a word to their first connection;
 * with `greetLater`, later ones get an SSH greeting at once (a resume's read).
 * `seen` counts the scanner's first connections.
 */
async function silentPorts(seen: () => void, greetLater = false): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < 5; i++) {
    let accepted = 0;
    const s = createServer((c) => {
      held.push(c);
      c.on('error', () => undefined);
      if (++accepted === 1) seen();
      else if (greetLater) c.write(GREETING);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    ports.push((s.address() as { port: number }).port);
  }
  return ports;
}

/**
 * Scan five silent listeners with --banners (each read would take 20 s) and
 * send `signal` 1 s after the fifth connection: every port is open and being
 * read when the stop comes (300 ms, as it was, is a thin margin on a loaded
 * machine for the scanner to take in its last handshake).
 */
async function stopDuringReads(args: string[], signal: NodeJS.Signals, cwd?: string, greetLater = false, closed: number[] = []): Promise<{ r: CliResult; ports: number[] }> {
  let connections = 0;
  let stop: (() => void) | null = null;
  const ports = await silentPorts(() => {
    if (++connections === 5) setTimeout(() => stop?.(), 1000);
  }, greetLater);
  const r = await runCli(['127.0.0.1', '-p', [...ports, ...closed].join(','), '--banners', '--banner-timeout', '20s', ...args], {
    ...(cwd === undefined ? {} : { cwd }),
    onSpawn: (child) => (stop = () => child.kill(signal)),
    killAfterMs: 30_000,
  });
  return { r, ports };
}

describe('Ctrl+C during banner reads', () => {
  it('keeps the open ports found in the report, out of the checkpoint: a resume reads them, as an uninterrupted scan does', async () => {
    const dir = scratchDir();
    const { r, ports } = await stopDuringReads(['-f', 'ndjson', '--out-dir', 'd', '-o', 'r.ndjson', '--summary-json', 's.json'], 'SIGINT', dir, true);
    // Every port was probed, but five reads were cut: the scan is interrupted. It was "complete", exit 0, and the
    // port table's guesses stayed for good, where an uninterrupted scan (and now the resume) reads OpenSSH.
    expect(r.code).toBe(130);
    expect(JSON.parse(readFileSync(join(dir, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted', stopReason: 'signal' });
    // Helper 20: the summary said 5/5 probes, status 0/5, and nothing told these ports from ones read in full.
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ status: 'interrupted', stopReason: 'signal', done: 5, bannerReadsCut: 5, counts: { open: 5 } });
    expect(r.stderr).toContain('open 5 (5 of them with banner reads the stop cut: resume reads them again)');
    expect(r.stderr).toContain('(continue with: shardscan resume d)');
    const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
    // Results found are kept: the handshakes completed, so the stopped run reports the ports open, named from the port table.
    const report = ndjson(readFileSync(join(dir, 'r.ndjson'), 'utf8'));
    expect(sorted(report.map((x) => x.port as number))).toEqual(sorted(ports));
    expect(report.every((x) => x.state === 'open' && x.reason === 'syn-ack' && x.serviceSource === 'port' && typeof x.service === 'string')).toBe(true);
    // The directory is a sound interrupted shard: its records past the checkpoint are what a resume probes again.
    const checked = await runCli(['validate', 'd'], { cwd: dir });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    const resumed = await runCli(['resume', 'd', '-q'], { cwd: dir, killAfterMs: 30_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'complete', counts: { open: 5 }, recordCount: 5 });
    const records = ndjson(readFileSync(join(dir, 'd', 'shard-1-of-1.ndjson'), 'utf8'));
    expect(sorted(records.map((x) => x.port as number))).toEqual(sorted(ports));
    expect(records.every((x) => x.state === 'open' && x.service === 'ssh' && x.serviceSource === 'probe' && x.product === 'OpenSSH')).toBe(true);
  });
});

/** `n` loopback ports nothing listens on (each was free a moment ago: a listener's port, closed). */
async function closedPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    ports.push((s.address() as { port: number }).port);
    await new Promise((r) => s.close(r));
  }
  return ports;
}

describe("Ctrl+C during banner reads: the per-host counts of the ports not shown", () => {
  // Helper 20: a read holds its chunk's watermark back, and per-host counts were taken only as the watermark passed:
  // the stopped run said "Not shown: 17 closed" of 60 closed (its summary 60), in -oN, -oX and -oG alike.
  it('count every closed port decided before the stop, behind a read that holds the watermark too', async () => {
    const dir = scratchDir();
    const closed = await closedPorts(30);
    const { r } = await stopDuringReads(['-q', '--no-out-dir', '-o', '/dev/null', '-oA', 'r', '--summary-json', 's.json'], 'SIGINT', dir, false, closed);
    expect(r.code).toBe(130);
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'))).toMatchObject({ counts: { open: 5, closed: 30 } });
    expect(readFileSync(join(dir, 'r.nmap'), 'utf8')).toContain('Not shown: 30 closed');
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toContain('<extraports state="closed" count="30">');
    expect(readFileSync(join(dir, 'r.gnmap'), 'utf8')).toContain('Ignored State: closed (30)');
  });
});

describe('Ctrl+C with -q', () => {
  // -q: the one line of an interrupted scan. It said "the stop came after every port was probed" and exited 0 with
  // the cut reads in the checkpoint; a stop before the end: test/cli.test.ts.
  it('says the scan was interrupted, and how to continue it', async () => {
    const { r } = await stopDuringReads(['-q', '--out-dir', 'd', '-o', '/dev/null'], 'SIGINT', scratchDir());
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('shardscan: stopping (Ctrl+C again to quit at once)…\nshardscan: interrupted after 5/5 probes (5 banner reads cut); continue with: shardscan resume d\n');
  });

  it('and for SIGTERM, without a shard directory', async () => {
    const { r } = await stopDuringReads(['-q', '--no-out-dir', '-o', '/dev/null'], 'SIGTERM');
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('shardscan: stopping on SIGTERM (send it again to quit at once)…\nshardscan: interrupted after 5/5 probes (5 banner reads cut)\n');
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
