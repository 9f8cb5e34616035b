/**
 * The blocklist: the built-in special-purpose ranges are left out of every
 * scan (refused when nothing else is left, excluded and counted otherwise),
 * loopback, private, shared and benchmarking ranges stay scannable,
 * --blocklist FILE replaces the list and --no-blocklist turns it off, and a
 * resumed scan applies the same list. Nothing here probes anything but
 * loopback: the other cases stop at prepareScan, before any probe.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ScanConfig, resolveConfig } from '../src/config/index.js';
import { prepareScan } from '../src/prepare.js';
import { blockedNote, defaultBlocklist, parseBlocklist } from '../src/targets/blocklist.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { noDns } from './helpers/fuzz.js';

function prepare(given: Partial<ScanConfig>) {
  const { config } = resolveConfig({ ports: '80', ...given }, { tuning: null, cores: 2, fdLimit: 4096 });
  return prepareScan(config, noDns);
}

const hostsOf = (set: { count: number; at(i: number): string }): string[] => Array.from({ length: set.count }, (_, i) => set.at(i));

describe('the built-in list (data/blocklist.tsv)', () => {
  it('loads, and holds the special-purpose ranges but none of the ranges people scan on purpose', () => {
    const ranges = defaultBlocklist().entries.map((e) => e.range);
    expect(ranges.length).toBeGreaterThanOrEqual(20);
    for (const r of ['0.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4', '255.255.255.255', '192.0.2.0/24', '::', 'ff00::/8', 'fe80::/10', '2001:db8::/32']) expect(ranges).toContain(r);
    for (const e of defaultBlocklist().entries) expect(e.ref, e.range).toMatch(/^RFC \d+/);
  });

  it.each([
    ['loopback', ['127.0.0.0/24', '::1']],
    ['private-use', ['10.1.2.0/24', '172.16.0.0/24', '192.168.1.0/24', 'fd00::/120']],
    ['benchmarking labs', ['198.18.0.0/15', '2001:2::/120']],
    ['shared address space and link-local IPv4', ['100.64.0.0/24', '169.254.0.0/24']],
  ])('leaves %s scannable', async (_what, targets) => {
    const prep = await prepare({ targets });
    expect(prep.blocked.count).toBe(0);
  });
});

describe('applied when the target set is built', () => {
  it('refuses targets entirely inside it, naming the range and why', async () => {
    await expect(prepare({ targets: ['224.0.0.1'] })).rejects.toMatchObject({
      code: 'E_BLOCKED',
      message: 'nothing to scan: every target is on the blocklist: 224.0.0.1 (multicast, in 224.0.0.0/4, RFC 5771). To scan it anyway: --no-blocklist',
    });
    await expect(prepare({ targets: ['240.0.0.0/4'] })).rejects.toMatchObject({ message: expect.stringMatching(/: 240\.0\.0\.0\/4 \(reserved, RFC 1112\)\. To scan them/) });
  });

  it('excludes the blocked part of a partly blocked scan and counts it', async () => {
    const prep = await prepare({ targets: ['127.0.0.1', '255.255.255.255', '192.0.2.0/23'] });
    expect(prep.targets.count).toBe(1 + 256);
    expect(prep.targets.indexOf('192.0.3.7')).toBeGreaterThanOrEqual(0);
    expect(prep.targets.indexOf('192.0.2.7')).toBe(-1);
    expect(prep.blocked.count).toBe(257);
    expect(blockedNote(prep.blocked)).toBe('257 addresses excluded by the blocklist: 192.0.2.0/24 (documentation; TEST-NET-1), 255.255.255.255 (limited broadcast)');
  });

  it('IPv4-compatible IPv6 (::/96) is blocked, ::1 inside it is not: ::1/120 scans ::1 alone (::2 to ::ff went to the default route)', async () => {
    const prep = await prepare({ targets: ['::1/120'] });
    expect(hostsOf(prep.targets)).toEqual(['::1']);
    expect(blockedNote(prep.blocked)).toBe('255 addresses excluded by the blocklist: 254 addresses of ::/96 (IPv4-compatible IPv6 (deprecated), not loopback: only ::1 is), :: (unspecified address)');
    await expect(prepare({ targets: ['::2'] })).rejects.toMatchObject({ code: 'E_BLOCKED' });
    expect((await prepare({ targets: ['::1'] })).blocked.count).toBe(0);
  });

  it('a "!" row is an exception inside a wider row', async () => {
    const list = parseBlocklist('10.0.0.0/8\tparent\n!10.1.2.3\tallowed\n', 'the test list', 'test');
    expect(list.merged.map((p) => [p.lo, p.hi])).toEqual([
      [0x0a000000, 0x0a010202],
      [0x0a010204, 0x0affffff],
    ]);
    expect(list.entries.map((e) => e.range)).toEqual(['10.0.0.0/8', '!10.1.2.3']);
  });

  it('names an address by the most specific range that holds it', () => {
    const list = parseBlocklist('240.0.0.0/4\treserved\n255.255.255.255\tbroadcast\n10.0.0.0/8\tparent\n10.1.0.0/16\tchild\n', 'the test list', 'test');
    const owner = (a: number): string => list.entries[list.pieces.find((p) => !p.v6 && p.lo <= a && a <= p.hi)!.entry]!.name;
    expect(owner(0xffffffff)).toBe('broadcast');
    expect(owner(0xfffffffe)).toBe('reserved');
    expect(owner(0x0a010203)).toBe('child');
    expect(owner(0x0a020203)).toBe('parent');
    expect(list.pieces.map((p) => [p.lo, p.hi])).toEqual([
      [0x0a000000, 0x0a00ffff],
      [0x0a010000, 0x0a01ffff],
      [0x0a020000, 0x0affffff],
      [0xf0000000, 0xfffffffe],
      [0xffffffff, 0xffffffff],
    ]);
  });

  it('--blocklist FILE replaces the built-in list; --no-blocklist turns it off', async () => {
    const file = join(scratchDir(), 'mine.tsv');
    writeFileSync(file, '# my lab\n127.0.0.2\tthe build box\n');
    const mine = await prepare({ targets: ['127.0.0.0/30', '224.0.0.1'], blocklist: file });
    expect(hostsOf(mine.targets)).toEqual(['127.0.0.0', '127.0.0.1', '127.0.0.3', '224.0.0.1']);
    expect(blockedNote(mine.blocked)).toBe(`1 address excluded by the blocklist '${file}': 127.0.0.2 (the build box)`);
    const none = await prepare({ targets: ['224.0.0.1'], blocklist: false });
    expect(hostsOf(none.targets)).toEqual(['224.0.0.1']);
    expect(none.blocked.count).toBe(0);
  });

  it('a bad blocklist file is one line that names the line and the token', async () => {
    const file = join(scratchDir(), 'bad.tsv');
    writeFileSync(file, '10.0.0.0/8\tfine\nnot-a-net\tbad\n');
    await expect(prepare({ targets: ['127.0.0.1'], blocklist: file })).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(/bad line 2 of --blocklist file '.*bad\.tsv': 'not-a-net' is not an address or CIDR network/) });
    await expect(prepare({ targets: ['127.0.0.1'], blocklist: '/nonexistent/list.tsv' })).rejects.toMatchObject({ code: 'E_INPUT_FILE' });
  });
});

describe('through the CLI', () => {
  it('prints the note before the scan and scans the rest', async () => {
    const file = join(scratchDir(), 'mine.tsv');
    writeFileSync(file, '127.0.0.2/31\ttest hosts\tnone\n');
    const r = await runCli(['127.0.0.0/30', '-p', '1', '--blocklist', file, '--states', 'all', '-f', 'ndjson', '--no-out-dir', '--timeout', '300']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(`shardscan: 2 addresses excluded by the blocklist '${file}': 127.0.0.2/31 (test hosts)`);
    expect(ndjson(r.stdout).map((x) => x.host).sort()).toEqual(['127.0.0.0', '127.0.0.1']);
  });

  it('--help lists the built-in ranges', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toMatch(/--blocklist/);
    expect(r.stdout).toMatch(/--no-blocklist/);
    expect(r.stdout).toMatch(/^ {2}224\.0\.0\.0\/4 +multicast \(RFC 5771\)$/m);
    expect(r.stdout).toMatch(/^ {2}ff00::\/8 +multicast \(RFC 4291\)$/m);
  });

  it('is stored in the manifest and applied again on resume; a changed list refuses the resume', async () => {
    const dir = scratchDir();
    const file = join(dir, 'mine.tsv');
    writeFileSync(file, '127.0.0.2\texcluded\n');
    const out = join(dir, 'scan');
    const first = await runCli(['127.0.0.1-127.0.0.3', '-p', '1-40', '--blocklist', file, '--states', 'all', '--rate', '60', '--max-time', '0.4', '--out-dir', out, '-q', '-f', 'ndjson', '-o', '/dev/null'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { status: string; hosts: number; config: { blocklist: unknown; yes: unknown } };
    expect(manifest).toMatchObject({ status: 'interrupted', hosts: 2, config: { blocklist: file, yes: false } });
    // --no-max-time: the first run's 0.4 s, counted from the resume's start, would stop it part-way.
    const resumed = await runCli(['resume', out, '-q', '--no-max-time'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const hosts = new Set(ndjson(readFileSync(join(out, 'shard-1-of-1.ndjson'), 'utf8')).map((x) => x.host));
    expect([...hosts].sort()).toEqual(['127.0.0.1', '127.0.0.3']);

    const again = join(dir, 'again');
    await runCli(['127.0.0.1-127.0.0.3', '-p', '1-40', '--blocklist', file, '--rate', '60', '--max-time', '0.3', '--out-dir', again, '-q', '-o', '/dev/null'], { cwd: dir });
    writeFileSync(file, '127.0.0.3\tnow this one\n');
    const refused = await runCli(['resume', again], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no longer give the same scan \(an input file, blocklist file or host name changed\?\)/);
  });
});
