/**
 * A certificate with more subject alternative names than the 32 a record
 * keeps says so: its list ends with "(+270 more)" in the text and xml, "(+270\x20more)" in csv,
 * reports, and its record has `moreNames: 270` (json, ndjson). The names past
 * the 32nd were dropped with no mark (a cert with 302 names showed 0-31, its
 * IP names at the end gone), while cut values elsewhere end with "...".
 * A node:tls server on loopback, with a certificate openssl makes here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validator } from '../src/schemas.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { dtdProblems, requireNmapTools } from './helpers/nmap-xml.js';

const DNS = Array.from({ length: 300 }, (_, i) => `n${i}.cut.test`);
const dir = scratchDir('shardscan-tls-names-');

describe('a certificate with more names than a record keeps', () => {
  let server: tls.Server;
  let port = 0;
  beforeAll(async () => {
    requireNmapTools();
    const san = `subjectAltName=${[...DNS.map((n) => `DNS:${n}`), 'IP:::1', 'IP:127.0.0.1'].join(',')}`;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=cut.test', '-addext', san], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (s) => {
      s.on('error', () => {});
      s.end();
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('marks the cut list "(+270 more)" in every format that shows the names', async () => {
    const [csv, text, xml, json] = ['c.csv', 't.txt', 'x.xml', 'j.json'].map((f) => join(dir, f));
    const r = await runCli(['127.0.0.1', '-p', String(port), '-sV', '--banner-timeout', '2s', '-f', 'csv', '-o', csv!, '-oN', text!, '-oX', xml!, '-oJ', json!, '-q', '--no-out-dir']);
    expect(r.code, r.stderr).toBe(0);

    const doc = JSON.parse(readFileSync(json!, 'utf8')) as { records: { tls?: { names: string[]; moreNames?: number } }[] };
    const cert = doc.records[0]!.tls!;
    expect(cert.names).toEqual(DNS.slice(0, 32));
    expect(cert.moreNames).toBe(270);
    const validate = validator('record');
    expect(validate(doc.records[0]), JSON.stringify(validate.errors)).toBe(true);

    expect(readFileSync(text!, 'utf8')).toContain(`names ${DNS.slice(0, 32).join(', ')} (+270 more); issuer cut.test`);
    // In CSV the count is one item of the space-separated list, its space written \x20 (as within a name).
    expect(readFileSync(csv!, 'utf8')).toContain(`,${DNS.slice(0, 32).join(' ')} (+270\\x20more),`);
    const x = readFileSync(xml!, 'utf8');
    expect(x).toContain(`DNS:${DNS[31]}, (+270 more)&#xa;Issuer: commonName=cut.test`);
    expect(dtdProblems(xml!)).toBe('');
  });
});
