import { writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShardscanError } from '../src/errors.js';
import { formatIPv6, parseIPv4, parseIPv6 } from '../src/targets/ip.js';
import { type Resolver, buildTargets, parseTargetToken } from '../src/targets/parse.js';
import { scratchDir } from './helpers/cli.js';

const noDns: Resolver = async (name) => {
  const table: Record<string, string> = { localhost: '127.0.0.1', 'six.test': '::1' };
  const address = table[name];
  if (!address) throw new ShardscanError('E_RESOLVE', `cannot resolve host name '${name}'`);
  return address;
};

async function hosts(targets: string[], extra: { exclude?: string[] } = {}): Promise<string[]> {
  const { set } = await buildTargets({ targets, ...extra }, noDns);
  return Array.from({ length: set.count }, (_, i) => set.at(i));
}

describe('target parsing', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['127.0.0.0/30', ['127.0.0.0', '127.0.0.1', '127.0.0.2', '127.0.0.3']],
    ['127.0.0.5/30', ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']],
    ['127.0.0.1-127.0.0.3', ['127.0.0.1', '127.0.0.2', '127.0.0.3']],
    ['127.0.0.1-3', ['127.0.0.1', '127.0.0.2', '127.0.0.3']],
    ['127.0.1-2.1-2', ['127.0.1.1', '127.0.1.2', '127.0.2.1', '127.0.2.2']],
    ['127.0.0.254-', ['127.0.0.254', '127.0.0.255']],
    ['127.0.0.1,127.0.0.2 127.0.0.3', ['127.0.0.1', '127.0.0.2', '127.0.0.3']],
    ['127.0.0.2,127.0.0.1,127.0.0.0/31', ['127.0.0.0', '127.0.0.1', '127.0.0.2']],
    ['::1', ['::1']],
    ['::1/127', ['::', '::1']],
    ['::1-::3', ['::1', '::2', '::3']],
    ['localhost', ['127.0.0.1']],
    ['localhost/31', ['127.0.0.0', '127.0.0.1']],
    ['127.0.0.1 ::1', ['127.0.0.1', '::1']],
    // nmap's comma lists inside an octet; a comma between whole targets still separates them.
    ['127.0.0.1,5', ['127.0.0.1', '127.0.0.5']],
    ['127.0.2,1.7-8', ['127.0.1.7', '127.0.1.8', '127.0.2.7', '127.0.2.8']],
    ['127.0.0.9,1-2,3', ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.9']],
    ['127.0.0.1,127.0.0.5,9', ['127.0.0.1', '127.0.0.5', '127.0.0.9']],
  ])('%s', async (spec, expected) => {
    expect(await hosts([spec])).toEqual(expected);
  });

  it('counts a /8 without listing it', async () => {
    const { set } = await buildTargets({ targets: ['127.0.0.0/8'] }, noDns);
    expect(set.count).toBe(16_777_216);
    expect(set.intervals).toBe(1);
    expect(set.at(16_777_215)).toBe('127.255.255.255');
    expect(set.indexOf('127.1.2.3')).toBe(0x010203);
  });

  it('expands octet ranges into merged intervals, not hosts', async () => {
    const { set } = await buildTargets({ targets: ['127.*.*.*'] }, noDns);
    expect(set.count).toBe(16_777_216);
    expect(set.intervals).toBe(1);
  });

  it('an octet list is counted in intervals, not hosts', async () => {
    const { set } = await buildTargets({ targets: ['127.0,5.*.0-9,250-255'] }, noDns);
    expect(set.count).toBe(2 * 256 * 16);
    // 127.0.N.250-255 touches 127.0.N+1.0-9: 257 intervals for each second octet.
    expect(set.intervals).toBe(2 * 257);
    expect(set.at(10)).toBe('127.0.0.250');
  });

  it('subtracts exclusions and collapses duplicates', async () => {
    expect(await hosts(['127.0.0.0/29', '127.0.0.3'], { exclude: ['127.0.0.2-127.0.0.5,127.0.0.7'] })).toEqual(['127.0.0.0', '127.0.0.1', '127.0.0.6']);
  });

  it('reads -iL and --exclude-file with comments', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'in.txt'), '# targets\n127.0.0.1  # first\n\n127.0.0.2,127.0.0.3\n127.0.0.9\n');
    writeFileSync(join(dir, 'ex.txt'), '127.0.0.9\n');
    const { set } = await buildTargets({ targets: [], inputFile: join(dir, 'in.txt'), excludeFile: join(dir, 'ex.txt') }, noDns);
    expect(Array.from({ length: set.count }, (_, i) => set.at(i))).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });

  it('reads a list longer than one merge batch (65,536 intervals), in any order, with CRLF, comments and repeats', async () => {
    const dir = scratchDir();
    // 200,000 lines: 127.1.0.0/16 twice over in a shuffled order, a few /30s, comments, blank lines, CRLF.
    const lines: string[] = [];
    for (let i = 0; i < 65_536; i++) lines.push(`127.1.${i >> 8}.${i & 255}`);
    for (let i = 0; i < 65_536; i++) lines.push(`127.1.${(i * 7919) % 65_536 >> 8}.${((i * 7919) % 65_536) & 255}  # again`);
    for (let i = 0; i < 60_000; i++) lines.push(i % 3 === 0 ? '' : `127.2.${(i >> 6) & 255}.${(i % 64) * 4}/30`);
    writeFileSync(join(dir, 'big.txt'), lines.join('\r\n'));
    const { set } = await buildTargets({ targets: ['127.9.9.9'], inputFile: join(dir, 'big.txt') }, noDns);
    expect(set.count).toBe(65_536 + 65_536 + 1);
    expect(set.at(0)).toBe('127.1.0.0');
    expect(set.at(set.count - 1)).toBe('127.9.9.9');
  });

  it("a name's prefix is of the family it resolves to, as in nmap: six.test/127 is an IPv6 /127 (it was refused: 0-32); an IPv4 name's /33 is refused", async () => {
    expect(await hosts(['six.test/128'])).toEqual(['::1']);
    expect(await hosts(['six.test/127'])).toEqual(['::', '::1']);
    expect(await hosts(['localhost/31'])).toEqual(['127.0.0.0', '127.0.0.1']);
    await expect(hosts(['localhost/33'])).rejects.toThrow(/^bad target 'localhost\/33': prefix \/33 is longer than an IPv4 address, and localhost is 127\.0\.0\.1/);
    // An exclusion takes it the same way; an address of the other family is left out itself.
    expect(await hosts(['127.0.0.1', '::1'], { exclude: ['six.test/127'] })).toEqual(['127.0.0.1']);
    expect(await hosts(['127.0.0.0-3', '::1'], { exclude: ['localhost/127'] })).toEqual(['127.0.0.0', '127.0.0.2', '127.0.0.3', '::1']);
  });

  it('resolves each name once and reports what it resolved', async () => {
    let calls = 0;
    const counting: Resolver = async (n) => {
      calls++;
      return noDns(n);
    };
    const { resolved } = await buildTargets({ targets: ['localhost', 'localhost/32', 'six.test'] }, counting);
    expect(calls).toBe(2);
    expect(resolved).toEqual({ localhost: '127.0.0.1', 'six.test': '::1' });
  });

  it.each([
    ['127.0.0.1/33', 'E_TARGET', /prefix '\/33'/],
    ['127.0.0.300', 'E_TARGET', /bad target '127\.0\.0\.300'/],
    ['127.0.0.5-127.0.0.1', 'E_TARGET', /end is before its start/],
    ['127.0.0.9-2', 'E_TARGET', /bad target/],
    ['1.2.3', 'E_TARGET', /bad target '1\.2\.3'/],
    ['fe80::/64', 'E_TOO_LARGE', /at most \/104/],
    ['::1-::1:0:0', 'E_TOO_LARGE', /too large/],
    ['bad_host!', 'E_TARGET', /bad target 'bad_host!'/],
    // Forms other tools read differently (inet_aton: octal, hex, fewer parts) are refused, never guessed.
    ['127.0.0.010', 'E_TARGET', /leading zero is ambiguous/],
    ['127.0.0.001', 'E_TARGET', /leading zero is ambiguous/],
    ['127.0.0.1-010', 'E_TARGET', /leading zero is ambiguous/],
    ['127.0.00-1.1', 'E_TARGET', /leading zero is ambiguous/],
    // "/08" for "/28" scanned a /8 (16,777,216 addresses) without a word.
    ['127.0.0.1/08', 'E_TARGET', /prefix '\/08' has a leading zero: write \/8 if you mean it/],
    ['127.0.0.0/00', 'E_TARGET', /leading zero/],
    ['0x7f.0.0.1', 'E_TARGET', /never ends in a number, and hex or octal address forms are refused/],
    ['0x7f000001', 'E_TARGET', /hex or octal address forms are refused/],
    ['127.0.0.0x1', 'E_TARGET', /hex or octal address forms are refused/],
    ['host.007', 'E_TARGET', /never ends in a number/],
    ['127.0.0.1,,2', 'E_TARGET', /bad target '127\.0\.0\.1,,2'/],
    ['127.0.0.1,02', 'E_TARGET', /leading zero is ambiguous/],
    ['127.0.0.1,256', 'E_TARGET', /not an IPv4 address, CIDR or octet range/],
  ])('rejects %s with %s', (token, code, message) => {
    expect(() => parseTargetToken(token)).toThrowError(message);
    try {
      parseTargetToken(token);
    } catch (err) {
      expect((err as ShardscanError).code).toBe(code);
    }
  });

  it('names a host that does not resolve', async () => {
    await expect(buildTargets({ targets: ['nowhere.test'] }, noDns)).rejects.toMatchObject({ code: 'E_RESOLVE', message: expect.stringMatching(/nowhere\.test/) });
  });

  it('refuses an empty scan', async () => {
    await expect(buildTargets({ targets: [] }, noDns)).rejects.toMatchObject({ code: 'E_TARGET' });
    await expect(buildTargets({ targets: ['127.0.0.1'], exclude: ['127.0.0.0/8'] }, noDns)).rejects.toMatchObject({ code: 'E_TARGET', message: expect.stringMatching(/excluded/) });
  });

  it('names a missing input file', async () => {
    await expect(buildTargets({ targets: [], inputFile: '/nonexistent/targets.txt' }, noDns)).rejects.toMatchObject({ code: 'E_INPUT_FILE', message: expect.stringMatching(/targets\.txt.*ENOENT/) });
  });
});

describe('IPv6 zones', () => {
  it.each(['::1%lo', '::1%1', 'fe80::1%eth0', 'fe80::1%eth0/64', '::1%'])('%s is refused, naming the zone (it was dropped and ::1 scanned)', (token) => {
    const zone = token.slice(token.indexOf('%')).replace(/\/.*/, '');
    expect(() => parseTargetToken(token)).toThrowError(new RegExp(`^bad target '${token.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': an IPv6 zone \\(${zone}\\) is not taken`));
    expect(parseIPv6(token)).toBeNull();
  });

  it('a % elsewhere is a bad target, not a zone', () => {
    expect(() => parseTargetToken('127.0.0.1%lo')).toThrowError(/^bad target '127\.0\.0\.1%lo': not an address, network, range or host name/);
  });
});

describe('address conversions', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['2001:db8::1', 0x20010db8000000000000000000000001n],
    ['::ffff:127.0.0.1', 0xffff7f000001n],
    ['1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n],
  ])('IPv6 %s round-trips', (text, value) => {
    expect(parseIPv6(text)).toBe(value);
    expect(parseIPv6(formatIPv6(value))).toBe(value);
  });

  it('accepts exactly the hex-and-colon forms node:net accepts', () => {
    const cases = ['::', '::1', '1::', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 'ABCD:ef01::', ':', ':::', '1::2::3', ':1::', '1:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '12345::', 'g::1', '1::2:3:4:5:6:7:8'];
    // Random strings over the alphabet, as many as fit in a few ms.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 3000; i++) {
      let t = '';
      for (let n = next() % 20; n > 0; n--) t += '0a:F:::1'[next() % 8];
      cases.push(t);
    }
    for (const text of cases) expect([text, parseIPv6(text) !== null]).toEqual([text, isIPv6(text)]);
  });

  it('formats IPv6 per RFC 5952', () => {
    expect(formatIPv6(parseIPv6('2001:0db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6(parseIPv6('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
  });

  it('parses IPv4 as an unsigned number', () => {
    expect(parseIPv4('255.255.255.255')).toBe(4294967295);
    expect(parseIPv4('256.0.0.1')).toBeNull();
  });
});
