/**
 * HostGroups sorts the records of the text, grep and XML reports by host in
 * bounded memory: past a limit, sorted runs go to unlinked temporary files and
 * are merged at the end. Whatever the limit, the groups must be exactly what
 * an in-memory stable sort gives.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardscanError } from '../src/errors.js';
import { type ProbeRecord, arrayBatch } from '../src/model/record.js';
import { HostGroups, SPILL_RECORDS, addressKey } from '../src/output/host-groups.js';
import { closedPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'host-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTS = ['0.0.0.0', '127.0.0.1', '127.0.0.2', '127.0.1.0', '10.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', '2001:db8::5', '::ffff:1.2.3.4'];
const STATES = ['open', 'closed', 'filtered', 'error'] as const;

const record = fc.record({
  host: fc.constantFrom(...HOSTS),
  port: fc.constantFrom(1, 2, 22, 80, 443, 65535),
  state: fc.constantFrom(...STATES),
  reason: fc.constantFrom('syn-ack', 'ECONNREFUSED', 'timeout'),
  rttMs: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 100),
  service: fc.string({ unit: 'binary', maxLength: 12 }),
  ts: fc.constant('2026-12-02T00:00:00.000Z'),
}) as fc.Arbitrary<ProbeRecord>;

/** What the groups must be: the records stably sorted by address and port, cut per host. */
function expected(records: readonly ProbeRecord[]): [string, ProbeRecord[]][] {
  const sorted = [...records].sort((a, b) => {
    const ka = addressKey(a.host);
    const kb = addressKey(b.host);
    return ka < kb ? -1 : ka > kb ? 1 : a.port - b.port;
  });
  const out: [string, ProbeRecord[]][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last[0] === r.host) last[1].push(r);
    else out.push([r.host, [r]]);
  }
  return out;
}

function grouped(batches: readonly ProbeRecord[][], limit: number): [string, ProbeRecord[]][] {
  const groups = new HostGroups(limit, dir);
  for (const b of batches) groups.add(arrayBatch(b));
  // A host's records are valid until the next host is asked for: taken as they come.
  const out: [string, ProbeRecord[]][] = [];
  for (const [host, records] of groups.groups()) out.push([host, [...records]]);
  return out;
}

describe('HostGroups', () => {
  it('gives the in-memory order whatever the limit: runs, merges of runs, and the records held', () => {
    fc.assert(
      fc.property(fc.array(fc.array(record, { maxLength: 40 }), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (batches, limit) => {
        expect(grouped(batches, limit)).toEqual(expected(batches.flat()));
      }),
      { numRuns: 150 },
    );
  });

  it('merges three levels of runs (FAN 8) with records of one port kept in the order they came', () => {
    // 1,000 records, a run every 2: 500 runs, merged into runs of 16 and of 128 records.
    const records: ProbeRecord[] = [];
    for (let i = 0; i < 1000; i++) records.push({ host: `127.0.${i % 7}.1`, port: (i % 5) + 1, state: 'closed', reason: `r${i}`, rttMs: i, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' });
    const got = grouped([records.slice(0, 333), records.slice(333)], 2);
    expect(got).toEqual(expected(records));
    expect(got.map(([h]) => h)).toEqual(['127.0.0.1', '127.0.1.1', '127.0.2.1', '127.0.3.1', '127.0.4.1', '127.0.5.1', '127.0.6.1']);
  });

  it('carries lines longer than its read block and its write block', () => {
    const long = 'x'.repeat(300_000);
    const records: ProbeRecord[] = [
      { host: '127.0.0.9', port: 2, state: 'open', reason: 'syn-ack', rttMs: 1, service: long, ts: '2026-12-02T00:00:00.000Z' },
      { host: '127.0.0.1', port: 1, state: 'open', reason: 'syn-ack', rttMs: 1, service: `é${long}€`, ts: '2026-12-02T00:00:00.000Z' },
      { host: '::1', port: 3, state: 'closed', reason: 'ECONNREFUSED', rttMs: 1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' },
    ];
    expect(grouped([[records[0]!], [records[1]!], [records[2]!]], 1)).toEqual(expected(records));
  });

  it('leaves no file behind, while it runs or after', () => {
    const groups = new HostGroups(3, dir);
    for (let i = 0; i < 100; i++) groups.add(arrayBatch([{ host: `127.0.0.${i % 50}`, port: i + 1, state: 'open', reason: 'syn-ack', rttMs: 1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' }]));
    expect(readdirSync(dir)).toEqual([]);
    expect([...groups.groups()].length).toBe(50);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('when TMPDIR refuses a run, holds the records in memory from then on and sorts them all (the report was dropped)', () => {
    const heard: unknown[] = [];
    const groups = new HostGroups(4, join(dir, 'missing'), (why) => heard.push(why));
    const all: ProbeRecord[] = [];
    for (let i = 0; i < 40; i++) {
      const r: ProbeRecord = { host: `127.0.0.${(i * 7) % 13}`, port: 40 - i, state: 'closed', reason: 'ECONNREFUSED', rttMs: 1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' };
      all.push(r);
      groups.add(arrayBatch([r]));
    }
    expect(heard).toHaveLength(1);
    expect((heard[0] as Error).message).toMatch(/missing: ENOENT/);
    // A host's records are valid until the next host is asked for: read each as it comes.
    const got: string[] = [];
    for (const [, records] of groups.groups()) for (const r of records) got.push(`${r.host}:${r.port}`);
    const want = [...all].sort((a, b) => (addressKey(a.host) < addressKey(b.host) ? -1 : addressKey(a.host) > addressKey(b.host) ? 1 : a.port - b.port)).map((r) => `${r.host}:${r.port}`);
    expect(got).toEqual(want);
  });

  it('says where it could not write its runs, and what to do, once it holds more than it may in memory', () => {
    const heard: unknown[] = [];
    const groups = new HostGroups(2, join(dir, 'missing'), (why) => heard.push(why), 500);
    const r: ProbeRecord = { host: '127.0.0.1', port: 1, state: 'open', reason: 'syn-ack', rttMs: 1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' };
    groups.add(arrayBatch([r]));
    let err: unknown = null;
    let added = 1;
    try {
      for (; added < 100; added++) groups.add(arrayBatch([r]));
    } catch (e) {
      err = e;
    }
    // Held in memory past the first refusal (at two records), until its lines passed 500 bytes (~120 bytes a record).
    expect(added).toBeGreaterThan(2);
    expect(added).toBeLessThan(6);
    expect(heard).toEqual([err]);
    expect(err).toBeInstanceOf(ShardscanError);
    expect((err as ShardscanError).code).toBe('E_IO');
    expect((err as Error).message).toMatch(/missing.*ENOENT.*TMPDIR/);
  });

  it('a TMPDIR that fills up mid-scan: the only report is still written whole, in order, with a note (it was left empty, exit 1)', async () => {
    const [port] = await closedPorts(1);
    const cwd = scratchDir();
    const tmp = join(cwd, 'tmp');
    mkdirSync(tmp);
    // Room for a run or two of SPILL_RECORDS lines, not for the 65,536 records.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', tmp]);
    try {
      const r = await runCli(['127.0.0.0/16', '-p', String(port), '--states', 'all', '-oN', 'a.txt', '--no-out-dir'], { cwd, env: { TMPDIR: tmp }, killAfterMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.match(/^shardscan: cannot keep the records of a report sorted by host \(text, grep, xml\) in .*: ENOSPC .*: holding this report's records in memory from here on instead, up to 128 MiB$/gm)).toHaveLength(1);
      const text = readFileSync(join(cwd, 'a.txt'), 'utf8');
      const hosts = [...text.matchAll(/^Nmap scan report for (\S+)$/gm)].map((m) => m[1]!);
      expect(hosts).toHaveLength(65_536);
      expect(hosts).toEqual([...hosts].sort((a, b) => (addressKey(a) < addressKey(b) ? -1 : 1)));
      expect(text).toMatch(/shardscan done: 65536 hosts × 1 port, 65536 of 65536 probes/);
    } finally {
      execFileSync('umount', [tmp]);
    }
  });

  it('sorts a scan whose text and grep reports hold more than it keeps in memory, as its NDJSON says', async () => {
    const [port] = await closedPorts(1);
    const cwd = scratchDir();
    const tmp = join(cwd, 'tmp');
    mkdirSync(tmp);
    // 32,768 closed records: several runs of SPILL_RECORDS, from the workers' own NDJSON lines.
    const r = await runCli(['127.0.0.0/17', '-p', String(port), '--states', 'all', '-oN', 'a.txt', '-oG', 'a.gnmap', '-f', 'ndjson', '-o', 'a.ndjson', '--no-out-dir', '-q'], { cwd, env: { TMPDIR: tmp }, killAfterMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(32_768).toBeGreaterThan(SPILL_RECORDS);
    const truth = readFileSync(join(cwd, 'a.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ProbeRecord);
    expect(truth.length).toBe(32_768);
    const inOrder = [...new Set(truth.map((x) => x.host))].sort((a, b) => (addressKey(a) < addressKey(b) ? -1 : 1));
    const text = readFileSync(join(cwd, 'a.txt'), 'utf8');
    expect([...text.matchAll(/^Nmap scan report for (\S+)$/gm)].map((m) => m[1])).toEqual(inOrder);
    expect(text.match(new RegExp(`^${port}/tcp +closed `, 'gm'))?.length).toBe(32_768);
    const grep = readFileSync(join(cwd, 'a.gnmap'), 'utf8');
    expect([...grep.matchAll(/^Host: (\S+) \(\)\tPorts: (\d+)\/closed\//gm)].map((m) => m[1])).toEqual(inOrder);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(cwd, { recursive: true, force: true });
  });
});
