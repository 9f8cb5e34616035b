/**
 * The service table (data/banners.json) and its matcher: every rule's own
 * sample answers name the service it claims, through the first rule that
 * matches (so a rule cannot be shadowed by one above it), and a table with a
 * mistake in it is refused with the entry named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileTable, loadBannerTable } from '../src/banner/index.js';
import type { BannerTableSpec } from '../src/banner/index.js';
import { packagePath } from '../src/paths.js';

const table = loadBannerTable();
const raw = (): BannerTableSpec => JSON.parse(readFileSync(packagePath('data', 'banners.json'), 'utf8')) as BannerTableSpec;

const cases = table.rules.flatMap((r) => r.tests.map((t, i) => ({ name: `${r.id} #${i + 1}`, rule: r, t })));

describe('the built-in table', () => {
  it('loads, with the rules the detection relies on', () => {
    const ids = new Set(table.rules.map((r) => r.id));
    for (const id of ['openssh', 'dropbear', 'ssh', 'nginx', 'apache', 'lighttpd', 'http', 'redis', 'redis-noauth', 'redis-denied', 'postgres-ssl', 'postgres-nossl', 'postfix', 'smtp', 'vsftpd', 'ftp', 'pop3', 'imap', 'mysql', 'mariadb', 'vnc', 'tls-alert']) {
      expect(ids, id).toContain(id);
    }
    expect(table.probes.map((p) => p.name)).toEqual(['null', 'http', 'redis', 'tls', 'postgres']);
    expect(cases.length).toBeGreaterThanOrEqual(table.rules.length);
  });

  it.each(cases)('$name: its sample names the service', ({ rule, t }) => {
    const m = table.match(t.probe ?? rule.probes[0]!, t.response);
    expect(m).not.toBeNull();
    expect(m!.rule).toBe(rule.id);
    expect(m!.service).toBe(rule.service);
    expect(m!.soft).toBe(rule.soft === true);
    // Absent in the sample means absent in the result: a template whose group did not match is left out.
    expect(m!.product).toBe(t.product);
    expect(m!.version).toBe(t.version);
    expect(m!.extraInfo).toBe(t.info);
  });
});

describe('matching', () => {
  it('reads bytes as latin1, so binary greetings match', () => {
    const greeting = Buffer.concat([Buffer.from([0x4a, 0, 0, 0, 0x0a]), Buffer.from('8.0.36-0ubuntu0.22.04.1\0', 'latin1'), Buffer.from([0x08, 0, 0, 0, 0xff, 0xfe])]);
    expect(table.match('null', greeting)).toMatchObject({ rule: 'mysql', service: 'mysql', product: 'MySQL', version: '8.0.36-0ubuntu0.22.04.1' });
  });

  it('names Sendmail from its greeting, as nmap -sV does, not as a bare smtp', () => {
    const greeting = '220 mx.example.test ESMTP Sendmail 8.17.1.9/8.17.1.9; Tue, 3 Dec 2026 10:00:00 GMT\r\n';
    expect(table.match('null', greeting)).toMatchObject({ rule: 'sendmail', service: 'smtp', product: 'Sendmail', version: '8.17.1.9', extraInfo: 'Sendmail 8.17.1.9' });
  });

  it('applies a rule only to the probes it names', () => {
    const answer = 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n';
    expect(table.match('http', answer)?.rule).toBe('nginx');
    // The HTTP rules also read what a service says unasked (the null probe): a 408 after an idle connection.
    expect(table.match('null', answer)?.rule).toBe('nginx');
    expect(table.match('redis', answer)).toBeNull();
    expect(table.match('postgres', 'S')?.service).toBe('postgresql');
    expect(table.match('redis', 'S')).toBeNull();
  });

  it('matches over TLS with the listen and inner rules together', () => {
    expect(table.match(['null', 'http'], 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n')?.rule).toBe('nginx');
    expect(table.match(['null', 'http'], '* OK Dovecot ready.\r\n')?.rule).toBe('dovecot-imap');
  });

  it('reads Server only from the headers, not from a body that mentions one', () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nServer: nginx/9.9.9\r\n';
    expect(table.match('http', answer)).toMatchObject({ rule: 'http', service: 'http' });
    expect(table.match('http', answer)?.product).toBeUndefined();
  });

  it('leaves unknown and garbage answers unmatched', () => {
    expect(table.match('null', Buffer.from([0x8e, 0x0d, 0xe2, 0x66, 0x00, 0x24, 0x4d]))).toBeNull();
    expect(table.match('null', 'x'.repeat(5000))).toBeNull();
    expect(table.match('http', 'A'.repeat(8192))).toBeNull();
    expect(table.match('redis', '-ERR unknown command\r\n')).toBeNull();
  });

  it('cleans values taken from an answer: escaped and capped', () => {
    const m = table.match('http', `HTTP/1.1 200 OK\r\nServer: evil\x1b[31m/${'9'.repeat(200)}\r\n\r\n`);
    expect(m?.product).toBe('evil\\x1b[31m');
    expect(m?.version?.length).toBeLessThanOrEqual(80);
  });

  it('names a service found inside TLS', () => {
    expect(table.tlsName('http')).toBe('https');
    expect(table.tlsName('imap')).toBe('imaps');
    expect(table.tlsName('redis')).toBe('tls/redis');
  });

  it('after a soft match, keeps only the probes that can say more', () => {
    const probe = (n: string) => table.probe(n)!;
    expect(table.canName(probe('redis'), 'redis')).toBe(true);
    expect(table.canName(probe('tls'), 'redis')).toBe(false);
    expect(table.canName(probe('postgres'), 'redis')).toBe(false);
    expect(table.canName(probe('tls'), 'tls')).toBe(true);
    expect(table.canName(probe('redis'), 'tls')).toBe(false);
  });
});

describe('a table with a mistake is refused, naming the entry', () => {
  const withRule = (patch: Record<string, unknown>): unknown => {
    const doc = raw();
    doc.rules.push({ id: 'extra', probes: ['null'], pattern: '^x', service: 'x', tests: [{ response: 'x' }], ...patch } as never);
    return doc;
  };
  it.each([
    ['an unknown probe', withRule({ probes: ['nope'] }), /rule 'extra' names unknown probe 'nope'/],
    ['a bad regex', withRule({ pattern: '(' }), /rule 'extra': bad regex/],
    ['a template beyond the groups', withRule({ pattern: '^(x)', version: '$2' }), /rule 'extra': template '\$2' uses \$2 but the pattern has 1 group/],
    ['a duplicate id', withRule({ id: 'openssh' }), /rule 'openssh' is defined twice/],
    ['a rule without tests', withRule({ tests: [] }), /\/rules\/\d+\/tests must NOT have fewer than 1 items/],
    ['a stateful flag', withRule({ flags: 'g' }), /\/rules\/\d+\/flags must match pattern/],
    ['a test for a probe the rule skips', withRule({ tests: [{ probe: 'http', response: 'x' }] }), /a test names probe 'http'/],
    ['a payload beyond latin1', { ...raw(), probes: [...raw().probes, { name: 'wide', kind: 'send', payload: '\u2603' }] }, /\/probes\/5/],
    ['a tls probe without an inner send probe', { ...raw(), probes: [...raw().probes, { name: 'tls2', kind: 'tls', inner: 'null' }] }, /inner 'null' must name a send probe/],
  ])('%s', (_what, doc, message) => {
    expect(() => compileTable(doc, 'test-table')).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringMatching(message) }));
  });

  it('accepts the shipped table through the same path', () => {
    expect(compileTable(raw()).rules.length).toBe(table.rules.length);
  });
});
