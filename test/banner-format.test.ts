/**
 * What a banner grab puts in a record: printable, capped banners, and the
 * summary of a TLS certificate as node:tls reports it.
 */
import { describe, expect, it } from 'vitest';
import { BANNER_CAP, cleanField, escapeBanner, isoTime, parseAltNames, summarizeCertificate } from '../src/banner/index.js';

describe('escapeBanner', () => {
  it.each([
    ['SSH-2.0-OpenSSH_9.2p1\r\n', 'SSH-2.0-OpenSSH_9.2p1\\r\\n'],
    ['a\tb\\c', 'a\\tb\\\\c'],
    [Buffer.from([0x00, 0x41, 0x7f, 0xff, 0x1b]), '\\x00A\\x7f\\xff\\x1b'],
    ['caf\u00e9', 'caf\\xe9'],
    ['', ''],
    // Above U+00FF, a decoded certificate name: its UTF-8 bytes. The low byte alone made a CJK issuer read "google".
    ['\u4e67\u4f6f\u4f6f\u4e67\u4f6c\u4e65', '\\xe4\\xb9\\xa7\\xe4\\xbd\\xaf\\xe4\\xbd\\xaf\\xe4\\xb9\\xa7\\xe4\\xbd\\xac\\xe4\\xb9\\xa5'],
    ['a\u202eb', 'a\\xe2\\x80\\xaeb'],
    ['\u{1f600}', '\\xf0\\x9f\\x98\\x80'],
  ])('%j → %j', (input, out) => {
    expect(escapeBanner(input)).toBe(out);
  });

  it('caps the result and never cuts an escape in half', () => {
    const binary = Buffer.alloc(10_000, 0x01);
    const out = escapeBanner(binary);
    expect(out.length).toBeLessThanOrEqual(BANNER_CAP);
    expect(out).toMatch(/^(\\x01)+$/);
    expect(escapeBanner('A'.repeat(10_000)).length).toBe(BANNER_CAP);
    expect(escapeBanner('ab\r\n', 3)).toBe('ab');
  });

  it('leaves only printable ASCII, whatever the input', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(escapeBanner(all, 10_000)).toMatch(/^[\x20-\x7e]*$/);
  });
});

describe('summarizeCertificate', () => {
  it('takes the subject and issuer names, the alternative names and the expiry', () => {
    const s = summarizeCertificate({
      subject: { CN: 'banners.test', O: 'Test' },
      issuer: { O: 'Test CA Org' },
      subjectaltname: 'DNS:banners.test, DNS:www.banners.test, IP Address:127.0.0.1, email:a@b.test',
      valid_to: 'Mar  1 12:00:00 2027 GMT',
    });
    // The issuer has no CN: its organisation, said so (the XML's ssl-cert called it commonName).
    expect(s).toEqual({ subject: 'banners.test', names: ['banners.test', 'www.banners.test', '127.0.0.1'], issuer: 'Test CA Org', issuerField: 'organizationName', notAfter: '2027-03-01T12:00:00.000Z' });
  });

  it('gives nulls for a certificate with nothing in it', () => {
    expect(summarizeCertificate({})).toEqual({ subject: null, names: [], issuer: null, notAfter: null });
  });

  it('takes the first of repeated names', () => {
    expect(summarizeCertificate({ subject: { CN: ['a.test', 'b.test'] } }).subject).toBe('a.test');
  });

  it('reads the quoted names node writes for values with commas', () => {
    expect(parseAltNames('DNS:"a, b.test", DNS:c.test')).toEqual(['a, b.test', 'c.test']);
  });

  it('spells every character past ASCII in its names as UTF-8 bytes, as nmap does (ü was \\xfc, 中 UTF-8: two encodings in one name)', () => {
    const s = summarizeCertificate({ subject: { CN: 'M\u00fcller \u4e2d\u6587' }, issuer: { O: 'Stra\u00dfe' }, subjectaltname: 'DNS:b\u00fccher.test' });
    expect(s.subject).toBe('M\\xc3\\xbcller \\xe4\\xb8\\xad\\xe6\\x96\\x87');
    expect(s.issuer).toBe('Stra\\xc3\\x9fe');
    expect(s.names).toEqual(['b\\xc3\\xbccher.test']);
    // Cut at the cap between characters, never inside one's bytes.
    const cut = summarizeCertificate({ subject: { CN: '\u00e9'.repeat(150) } }).subject!;
    expect(cut.endsWith('\\xc3\\xa9...')).toBe(true);
  });

  it('escapes control characters a hostile certificate puts in its names', () => {
    expect(summarizeCertificate({ subject: { CN: 'x\u001b[2Jy' } }).subject).toBe('x\\x1b[2Jy');
  });

  it('writes IPv6 addresses as everywhere else (node spells them in full)', () => {
    expect(parseAltNames('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:0:0:5')).toEqual(['localhost', '127.0.0.1', '::1', '2001:db8::5']);
  });

  it('a value cut to its cap ends in "...", so it is not taken for the whole; one that fits is kept as it is', () => {
    expect(cleanField('x'.repeat(80))).toBe('x'.repeat(80));
    const cut = cleanField('v'.repeat(81));
    expect(cut).toHaveLength(80);
    expect(cut.endsWith('...')).toBe(true);
    expect(cleanField(`${'a'.repeat(78)}\u0007`)).toBe(`${'a'.repeat(77)}...`);
  });

  it('keeps at most 32 names', () => {
    const many = Array.from({ length: 100 }, (_, i) => `DNS:n${i}.test`).join(', ');
    expect(parseAltNames(many)).toHaveLength(32);
  });

  it('gives null for an expiry it cannot read', () => {
    expect(isoTime('not a date')).toBeNull();
  });
});
