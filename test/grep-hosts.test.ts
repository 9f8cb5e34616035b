/**
 * The grep format lists every scanned host as nmap -Pn -oG does: a
 * `Status: Up` line and a `Ports:` line, with `Ignored State: closed (N)` for
 * what is not shown, also for a host with no port shown at all. Where
 * per-host counts are not known (a resume, a merge of open records), a whole
 * scan still lists every host, with no Ignored State; otherwise only hosts
 * with a shown port are listed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReportContext, WRITERS, scannedHostsOf } from '../src/output/formats.js';
import type { ScanSummary } from '../src/model/summary.js';
import type { ProbeRecord } from '../src/model/record.js';
import type { StateCounts } from '../src/model/states.js';
import { type Fixture, closedPorts, openPorts } from './fixtures/net.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

/**
 * nmap 7.93's own output for two loopback hosts, 101 ports, one open on the
 * second (`nmap -sT -n -Pn -oG - -p 1-100,P 127.0.0.5 127.0.0.7`, run on this
 * project's machine): the shape shardscan must match.
 */
const NMAP_OG = [
  'Host: 127.0.0.5 ()\tStatus: Up',
  'Host: 127.0.0.5 ()\tPorts: \tIgnored State: closed (101)',
  'Host: 127.0.0.7 ()\tStatus: Up',
  'Host: 127.0.0.7 ()\tPorts: 36079/open/tcp/////\tIgnored State: closed (100)',
];

const rec = (host: string, port: number): ProbeRecord => ({ host, port, state: 'open', reason: 'syn-ack', rttMs: 0.2, service: 'unknown', ts: '2026-11-24T00:00:00.000Z' });
const summary = { status: 'complete', stopReason: null, hosts: 3, ports: 101, probes: 303, done: 303, elapsedMs: 50 } as unknown as ScanSummary;

async function grep(records: ProbeRecord[], counts: Record<string, StateCounts> | null, scanned: string[] | null, command = 'test'): Promise<string[]> {
  const ctx: ReportContext = {
    version: '0.1.0', command, startedAt: '2026-11-24T00:00:00.000Z', seed: 1, order: 'random', hosts: 3, ports: 101, states: ['open'],
    summary: () => summary,
    hostCounts: (h) => (counts ? (counts[h] ?? null) : null),
    scannedHosts: () => scanned,
  };
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  async function* batches() {
    yield records;
  }
  await WRITERS.grep(batches(), out, ctx);
  return text.split('\n').filter((l) => l !== '');
}

describe('grep lines per host', () => {
  it('every scanned host, in address order, as nmap writes them', async () => {
    const counts = { '127.0.0.5': { open: 0, closed: 101, filtered: 0, error: 0 }, '127.0.0.7': { open: 1, closed: 100, filtered: 0, error: 0 }, '::1': { open: 0, closed: 100, filtered: 1, error: 0 } };
    const lines = await grep([rec('127.0.0.7', 36079)], counts, ['127.0.0.5', '127.0.0.7', '::1']);
    expect(lines.slice(1, 5)).toEqual(NMAP_OG);
    // Two states hidden: no Ignored State, as nmap writes only one (it read "closed (100), filtered (1)").
    expect(lines.slice(5, 7)).toEqual(['Host: ::1 ()\tStatus: Up', 'Host: ::1 ()\tPorts: ']);
    expect(lines[7]).toMatch(/^# shardscan done at .* -- 3 IP addresses \(3 hosts up\) scanned in 0\.05 seconds$/);
  });

  it('a control character in the command line is escaped, so the header stays one comment line', async () => {
    const lines = await grep([rec('127.0.0.7', 36079)], null, null, "shardscan 127.0.0.7 -oG 'a\nb.grep'");
    expect(lines[0]).toBe("# shardscan 0.1.0 scan initiated 2026-11-24T00:00:00.000Z as: shardscan 127.0.0.7 -oG 'a\\nb.grep'");
    expect(lines[1]).toBe('Host: 127.0.0.7 ()\tStatus: Up');
  });

  it('without per-host counts: only hosts with a shown port, and no Ignored State; a complete scan has every host up, as nmap -Pn', async () => {
    const lines = await grep([rec('127.0.0.7', 36079)], null, null);
    expect(lines.slice(1, 3)).toEqual(['Host: 127.0.0.7 ()\tStatus: Up', 'Host: 127.0.0.7 ()\tPorts: 36079/open/tcp/////']);
    expect(lines[3]).toMatch(/-- 3 IP addresses \(3 hosts up\) scanned in/);
  });

  it('scanned hosts come from the per-host counts: none when they are not kept, and not the hosts never probed', () => {
    const targets = { count: 3, at: (i: number) => `127.0.0.${i + 1}` };
    expect(scannedHostsOf(targets, () => null)).toBeNull();
    const some: Record<string, StateCounts> = { '127.0.0.1': { open: 0, closed: 2, filtered: 0, error: 0 }, '127.0.0.2': { open: 0, closed: 0, filtered: 0, error: 0 }, '127.0.0.3': { open: 1, closed: 0, filtered: 0, error: 0 } };
    expect([...scannedHostsOf(targets, (h) => some[h] ?? null)!]).toEqual(['127.0.0.1', '127.0.0.3']);
  });
});

describe('through the CLI', () => {
  let open: Fixture;
  let closed: number[];
  beforeAll(async () => {
    open = await openPorts(1, '127.0.0.7');
    closed = await closedPorts(30, '127.0.0.1', open.ports);
  });
  afterAll(async () => open?.close());

  it('a scan lists hosts with nothing open too', async () => {
    const r = await runCli(['127.0.0.5-127.0.0.7', '-p', [...closed, ...open.ports].join(','), '-f', 'grep', '-q', '--no-out-dir']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('Host: '));
    expect(lines).toEqual([
      'Host: 127.0.0.5 ()\tStatus: Up',
      'Host: 127.0.0.5 ()\tPorts: \tIgnored State: closed (31)',
      'Host: 127.0.0.6 ()\tStatus: Up',
      'Host: 127.0.0.6 ()\tPorts: \tIgnored State: closed (31)',
      'Host: 127.0.0.7 ()\tStatus: Up',
      `Host: 127.0.0.7 ()\tPorts: ${open.ports[0]}/open/tcp/////\tIgnored State: closed (30)`,
    ]);
    expect(r.stdout).toMatch(/-- 3 IP addresses \(3 hosts up\) scanned in/);
  });

  // Without per-host counts (the shards kept open records only), a whole, complete scan still scanned every host:
  // grep and XML said "3 hosts up" and listed one. Each is now listed, up; and since every other port of the
  // merged scan is closed, each host's counts follow from its records, as the scan's own grep gives them (above).
  const everyHost = (grepText: string, xmlText: string): void => {
    expect(grepText.split('\n').filter((l) => l.startsWith('Host: '))).toEqual([
      'Host: 127.0.0.5 ()\tStatus: Up',
      'Host: 127.0.0.5 ()\tPorts: \tIgnored State: closed (31)',
      'Host: 127.0.0.6 ()\tStatus: Up',
      'Host: 127.0.0.6 ()\tPorts: \tIgnored State: closed (31)',
      'Host: 127.0.0.7 ()\tStatus: Up',
      `Host: 127.0.0.7 ()\tPorts: ${open.ports[0]}/open/tcp/////\tIgnored State: closed (30)`,
    ]);
    expect(grepText).toMatch(/-- 3 IP addresses \(3 hosts up\) scanned in/);
    expect([...xmlText.matchAll(/<address addr="([^"]+)"/g)].map((m) => m[1])).toEqual(['127.0.0.5', '127.0.0.6', '127.0.0.7']);
    expect(xmlText).toMatch(/<hosts up="3" down="0" total="3"\/>/);
  };

  it('merge of a whole scan lists every host, as the scan did', async () => {
    const cwd = scratchDir();
    const scan = await runCli(['127.0.0.5-127.0.0.7', '-p', [...closed, ...open.ports].join(','), '--shard', '1/2', '--seed', '3', '--out-dir', 'a', '-q', '-o', '/dev/null'], { cwd });
    const other = await runCli(['127.0.0.5-127.0.0.7', '-p', [...closed, ...open.ports].join(','), '--shard', '2/2', '--seed', '3', '--out-dir', 'b', '-q', '-o', '/dev/null'], { cwd });
    expect(scan.code, scan.stderr).toBe(0);
    expect(other.code, other.stderr).toBe(0);
    const m = await runCli(['merge', 'a', 'b', '-oG', 'm.gnmap', '-oX', 'm.xml'], { cwd });
    expect(m.code, m.stderr).toBe(0);
    everyHost(readFileSync(join(cwd, 'm.gnmap'), 'utf8'), readFileSync(join(cwd, 'm.xml'), 'utf8'));
    // Half the shards: which hosts the missing half scanned is not known, so only the hosts with a shown port are listed.
    const half = await runCli(['merge', 'a', '--allow-partial', '-f', 'grep'], { cwd });
    expect(half.code, half.stderr).toBe(0);
    expect(half.stdout).toMatch(/^# shardscan done at /m);
    const halfOpen = await runCli(['merge', 'a', '--allow-partial', '-f', 'ndjson'], { cwd });
    expect(halfOpen.code, halfOpen.stderr).toBe(0);
    // The shard that holds the open port lists its host (with the port); the other lists none.
    const shown = [...new Set(ndjson(halfOpen.stdout).filter((x) => x.state === 'open').map((x) => x.host))];
    const up = half.stdout.split('\n').filter((l) => l.startsWith('Host: ') && l.endsWith('Status: Up'));
    expect(up).toEqual(shown.map((h) => `Host: ${h} ()\tStatus: Up`));
    for (const h of shown) expect(half.stdout).toMatch(new RegExp(`^Host: ${h.replaceAll('.', '\\.')} \\(\\)\tPorts: .*/open/`, 'm'));
    // Its XML counts as nmap does, up + down = total: the hosts listed, not the scan's 3 (up="1" down="0" total="3" read as 2 hosts down).
    const halfXml = await runCli(['merge', 'a', '--allow-partial', '-f', 'xml'], { cwd });
    expect(halfXml.code, halfXml.stderr).toBe(0);
    expect(halfXml.stdout).toContain(`<hosts up="${shown.length}" down="0" total="${shown.length}"/>`);
  });

  it("a scan that stopped counts in its XML the hosts it reached: up + down = total, as nmap's", async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.0/24', '-p', '1-4', '--rate', '300', '--max-time', '0.5', '-q', '--no-out-dir', '-o', '/dev/null', '-oX', 'x.xml'], { cwd });
    expect(r.stderr).toMatch(/stopped at --max-time/);
    const m = /<hosts up="(\d+)" down="(\d+)" total="(\d+)"\/>/.exec(readFileSync(join(cwd, 'x.xml'), 'utf8'));
    expect(m).not.toBeNull();
    const [up, down, total] = m!.slice(1).map(Number) as [number, number, number];
    expect(up).toBeGreaterThan(0);
    expect(up + down).toBeLessThan(256);
    expect(total).toBe(up + down);
  });

  it('a resumed scan lists every host, as an uninterrupted one does', async () => {
    const cwd = scratchDir();
    const ports = [...closed, ...open.ports, ...Array.from({ length: 400 }, (_, i) => 20_000 + i)].join(',');
    const first = await runCli(['127.0.0.5-127.0.0.7', '-p', ports, '--rate', '300', '--max-time', '0.5', '--out-dir', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['resume', 'd', '--no-max-time', '-q', '-oG', 'r.gnmap', '-oX', 'r.xml'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const grepText = readFileSync(join(cwd, 'r.gnmap'), 'utf8');
    const xmlText = readFileSync(join(cwd, 'r.xml'), 'utf8');
    expect(grepText.split('\n').filter((l) => l.endsWith('Status: Up'))).toHaveLength(3);
    expect([...xmlText.matchAll(/<address addr="([^"]+)"/g)].map((m) => m[1])).toEqual(['127.0.0.5', '127.0.0.6', '127.0.0.7']);
  });
});
