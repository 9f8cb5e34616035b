/**
 * The xml writer (nmap's -oX format) over records held in memory, with what
 * --banners finds: the document validates against nmap.dtd, nmap.xsl renders
 * it, and python3-libnmap reads back hosts, ports, states, nmap's reason
 * names and the service fields where nmap puts them (method probed with conf
 * 10 for a detected service, table with conf 3 for the port table's guess).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProbeRecord } from '../src/model/record.js';
import type { StateCounts } from '../src/model/states.js';
import type { ScanSummary } from '../src/model/summary.js';
import { WRITERS } from '../src/output/formats.js';
import type { ReportContext } from '../src/output/report.js';
import { nmapReason } from '../src/output/xml.js';
import { scratchDir } from './helpers/cli.js';
import { dtdProblems, parseWithLibnmap, renderHtml, requireNmapTools } from './helpers/nmap-xml.js';

const TS = '2026-02-01T00:00:00.000Z';
const rec = (r: Partial<ProbeRecord> & Pick<ProbeRecord, 'host' | 'port' | 'state' | 'reason'>): ProbeRecord => ({ rttMs: 0.4, service: 'unknown', ts: TS, ...r }) as ProbeRecord;

const RECORDS: ProbeRecord[] = [
  rec({ host: '127.0.0.1', port: 22, state: 'open', reason: 'syn-ack', service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: '9.2p1 Debian 2', extraInfo: 'protocol 2.0', banner: 'SSH-2.0-OpenSSH_9.2p1 "<&>"\\r\\n' }),
  rec({
    host: '127.0.0.1', port: 443, state: 'open', reason: 'ECONNRESET', service: 'https', serviceSource: 'probe', product: 'nginx',
    tls: { subject: 'api.example.test', names: ['api.example.test', '127.0.0.1'], issuer: 'Test CA', notAfter: '2027-01-01T00:00:00.000Z' },
  }),
  rec({ host: '127.0.0.1', port: 8080, state: 'open', reason: 'syn-ack', service: 'http-proxy', serviceSource: 'port' }),
  rec({ host: '127.0.0.1', port: 9, state: 'filtered', reason: 'timeout', service: 'discard' }),
  rec({ host: '127.0.0.1', port: 11, state: 'filtered', reason: 'EPERM' }),
  rec({ host: '127.0.0.2', port: 10, state: 'filtered', reason: 'EHOSTUNREACH' }),
  // Characters XML 1.0 cannot hold (a control character, a lone surrogate) must not break the document.
  rec({ host: '::1', port: 6379, state: 'open', reason: 'syn-ack', service: 'redis', serviceSource: 'probe', product: 'Redis key-value store\u0001', version: '7.0.15\ud800' }),
];

const COUNTS: Record<string, StateCounts> = {
  '127.0.0.1': { open: 3, closed: 95, filtered: 2, error: 0 },
  '127.0.0.2': { open: 0, closed: 99, filtered: 1, error: 0 },
  '127.0.0.3': { open: 0, closed: 100, filtered: 0, error: 0 },
  '::1': { open: 1, closed: 99, filtered: 0, error: 0 },
};

function summary(status: 'complete' | 'interrupted'): ScanSummary {
  const body = {
    scanKey: 'abc', seed: 1, order: 'random' as const, shard: { index: 1, total: 1 }, hosts: 4, ports: 100, probes: 400, done: 400,
    counts: { open: 4, closed: 393, filtered: 3, error: 0 }, events: {}, engine: 'handle', workers: 1, concurrency: 8, startedAt: TS, elapsedMs: 1234, rate: 324,
  };
  return status === 'complete' ? { ...body, status, stopReason: null } : { ...body, status, stopReason: 'signal' };
}

function context(status: 'complete' | 'interrupted'): ReportContext {
  return {
    version: '0.1.0', command: 'shardscan 127.0.0.1-3 ::1 -p 1-100 --banners --states open,filtered -f xml', startedAt: TS, seed: 1, order: 'random',
    hosts: 4, ports: 100, portSpec: '1-100', states: ['open', 'filtered'], banners: true,
    summary: () => summary(status),
    hostCounts: (h) => COUNTS[h] ?? null,
    scannedHosts: () => ['127.0.0.1', '127.0.0.2', '127.0.0.3', '::1'],
  };
}

async function* batches(): AsyncIterable<readonly ProbeRecord[]> {
  // Random arrival order, as from the workers.
  yield [RECORDS[6]!, RECORDS[3]!];
  yield [RECORDS[5]!, RECORDS[0]!, RECORDS[2]!];
  yield [RECORDS[1]!, RECORDS[4]!];
}

async function writeXml(status: 'complete' | 'interrupted', records: AsyncIterable<readonly ProbeRecord[]> = batches()): Promise<{ path: string; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  await WRITERS.xml(records, out, context(status));
  const path = join(scratchDir('shardscan-xml-'), `${status}.xml`);
  writeFileSync(path, text);
  return { path, text };
}

beforeAll(() => requireNmapTools());

describe('xml writer', () => {
  it.each([
    ['syn-ack', 'syn-ack'],
    ['ECONNRESET', 'syn-ack'],
    ['ECONNREFUSED', 'conn-refused'],
    ['timeout', 'no-response'],
    ['EHOSTUNREACH', 'host-unreach'],
    ['ENETUNREACH', 'net-unreach'],
    ['EACCES', 'admin-prohibited'],
    ['EPERM', 'EPERM'],
    ['EMFILE', 'EMFILE'],
  ])('reason %s → %s', (ours, nmaps) => {
    expect(nmapReason(ours)).toBe(nmaps);
  });

  it(`names TLS with nothing named inside as nmap does: the port table's name (or unknown) in the tunnel, from the table (it was name="tls", probed)`, async () => {
    const cert = { subject: 'test.local', names: [], issuer: 'test.local', notAfter: '2027-01-01T00:00:00.000Z' };
    const bare = [
      rec({ host: '127.0.0.1', port: 8443, state: 'open', reason: 'syn-ack', service: 'tls', serviceSource: 'probe', tls: cert }),
      rec({ host: '127.0.0.1', port: 18443, state: 'open', reason: 'syn-ack', service: 'tls', serviceSource: 'probe', tls: cert }),
    ];
    const { path, text } = await writeXml('complete', (async function* () { yield bare; })());
    expect(dtdProblems(path)).toBe('');
    // nmap 7.93 -sV on these two ports (openssl s_server, nothing inside): the same elements.
    expect(text).toContain('<port protocol="tcp" portid="8443"><state state="open" reason="syn-ack" reason_ttl="0"/><service name="https-alt" tunnel="ssl" method="table" conf="3"/>');
    expect(text).toContain('<port protocol="tcp" portid="18443"><state state="open" reason="syn-ack" reason_ttl="0"/><service name="unknown" tunnel="ssl" method="table" conf="3"/>');
    const ports = parseWithLibnmap(path).hosts[0]!.services;
    expect(ports.find((p) => p.port === 8443)).toMatchObject({ service: 'https-alt', tunnel: 'ssl', method: 'table', conf: '3', scripts: ['ssl-cert'] });
  });

  // A certificate with no CN is named by its O: the ssl-cert script called that commonName, which parsers take as the CN.
  it("labels a certificate's names by what they are: organizationName where it has no common name", async () => {
    const org = { subject: 'NoCN Org', subjectField: 'organizationName' as const, names: [], issuer: 'Root CA', notAfter: '2027-01-01T00:00:00.000Z' };
    const { path, text } = await writeXml('complete', (async function* () { yield [rec({ host: '127.0.0.1', port: 8443, state: 'open', reason: 'syn-ack', service: 'tls', serviceSource: 'probe', tls: org })]; })());
    expect(dtdProblems(path)).toBe('');
    expect(text).toContain('output="Subject: organizationName=NoCN Org&#xa;Issuer: commonName=Root CA&#xa;');
  });

  it('validates against nmap.dtd and renders with nmap.xsl', async () => {
    const { path } = await writeXml('complete');
    expect(dtdProblems(path)).toBe('');
    const html = renderHtml(path);
    expect(html).toContain('OpenSSH');
    expect(html).toContain('127.0.0.3');
  });

  it('reads back through python3-libnmap: hosts in address order, states, reasons, services', async () => {
    const { path } = await writeXml('complete');
    const r = parseWithLibnmap(path);
    expect(r).toMatchObject({ scanType: 'connect', numservices: 100, hostsTotal: 4, hostsUp: 4 });
    expect(r.hosts.map((h) => [h.address, h.status])).toEqual([['127.0.0.1', 'up'], ['127.0.0.2', 'up'], ['127.0.0.3', 'up'], ['::1', 'up']]);
    const local = r.hosts[0]!;
    expect(local.services.map((s) => [s.port, s.state, s.reason])).toEqual([
      [9, 'filtered', 'no-response'], [11, 'filtered', 'EPERM'], [22, 'open', 'syn-ack'], [443, 'open', 'syn-ack'], [8080, 'open', 'syn-ack'],
    ]);
    expect(local.extraports).toEqual({ state: 'closed', count: '95' });
    const ssh = local.services.find((s) => s.port === 22)!;
    expect(ssh).toMatchObject({ service: 'ssh', method: 'probed', conf: '10', product: 'OpenSSH', version: '9.2p1 Debian 2', extrainfo: 'protocol 2.0', scripts: ['banner'] });
    // Named as nmap names a TLS service: the protocol inside, and the tunnel (ssl/http), not "https".
    expect(local.services.find((s) => s.port === 443)).toMatchObject({ service: 'http', method: 'probed', tunnel: 'ssl', product: 'nginx', scripts: ['ssl-cert'] });
    // A port the table does not name has no service element, as in nmap's XML (it had name="unknown").
    expect(local.services.find((s) => s.port === 11)).toMatchObject({ service: '', method: null });
    expect(local.services.find((s) => s.port === 8080)).toMatchObject({ service: 'http-proxy', method: 'table', conf: '3', product: null });
    expect(r.hosts[1]!.services.map((s) => [s.port, s.reason])).toEqual([[10, 'host-unreach']]);
    expect(r.hosts[2]!.services).toEqual([]);
    expect(r.hosts[2]!.extraports).toEqual({ state: 'closed', count: '100' });
    expect(r.hosts[3]!.services[0]).toMatchObject({ port: 6379, service: 'redis', product: 'Redis key-value store\\u0001', version: '7.0.15\\ud800' });
    expect(r.elapsed).toBe(1.23);
  });

  it('keeps the markup in banners and names escaped', async () => {
    const { text } = await writeXml('complete');
    expect(text).not.toContain('name="unknown"');
    expect(text).toContain('output="SSH-2.0-OpenSSH_9.2p1 &quot;&lt;&amp;&gt;&quot;\\r\\n"');
    expect(text).toContain('Subject Alternative Name: DNS:api.example.test, IP Address:127.0.0.1');
  });

  it('an interrupted scan ends with runstats exit="error", and stays valid', async () => {
    const { path, text } = await writeXml('interrupted');
    expect(dtdProblems(path)).toBe('');
    expect(text).toMatch(/<finished time="\d+" timestr="[^"]+" summary="[^"]*interrupted: partial results, 400 of 400 probes" elapsed="1\.23" exit="error" errormsg="interrupted \(signal\): partial results"\/>/);
    expect(text.trimEnd().endsWith('</nmaprun>')).toBe(true);
  });
});

describe('greppable writer', () => {
  it('writes a TLS service as nmap does, ssl|name, and never a "/" in the service field (tls/ssh split the port\'s fields)', async () => {
    const cert = { subject: 'test.local', names: [], issuer: 'test.local', notAfter: '2027-01-01T00:00:00.000Z' };
    const records = [
      rec({ host: '127.0.0.1', port: 18096, state: 'open', reason: 'syn-ack', service: 'tls/ssh', serviceSource: 'probe', product: 'OpenSSH', version: '9.2p1', tls: cert }),
      rec({ host: '127.0.0.1', port: 443, state: 'open', reason: 'syn-ack', service: 'https', serviceSource: 'probe', product: 'nginx', tls: cert }),
      rec({ host: '127.0.0.1', port: 8443, state: 'open', reason: 'syn-ack', service: 'tls', serviceSource: 'probe', tls: cert }),
      rec({ host: '127.0.0.1', port: 22, state: 'open', reason: 'syn-ack', service: 'ssh', serviceSource: 'probe', product: 'OpenSSH' }),
    ];
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    await WRITERS.grep((async function* () { yield records; })(), out, context('complete'));
    const ports = /\tPorts: ([^\t\n]*)/.exec(text)![1]!.split(', ');
    // port/state/protocol/owner/service/rpc info/version/: seven fields and a trailing slash each.
    for (const p of ports) expect(p.split('/')).toHaveLength(8);
    expect(ports.map((p) => p.split('/').slice(0, 5).join('/'))).toEqual(['22/open/tcp//ssh', '443/open/tcp//ssl|http', '8443/open/tcp//ssl|https-alt', '18096/open/tcp//ssl|ssh']);
  });
});
