/**
 * Service detection against real daemons from Debian (sshd, nginx over HTTP
 * and HTTPS, redis-server) and Node services that stay silent, flood, trickle
 * or send garbage, all on ports that are not their usual ones inside a
 * network namespace this test creates. The grabber runs in that namespace
 * too and scans only its loopback. Products and versions are checked against
 * the installed packages, the certificate against the one made at start.
 * Needs root and the packages .ci/run installs; SHARDSCAN_SKIP_ROOT_TESTS=1 skips.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrabOneResult } from '../workers/banner/one.js';
import type { BannerGrabReport } from './fixtures/banner-grab.js';
import { CERT_NAMES, type Daemons, PACKAGES, daemonsUnavailable, installedVersion, startDaemons, upstreamVersion } from './fixtures/daemons.js';

const why = daemonsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) {
  throw new Error(`banner daemon tests cannot run: ${why}. Install it, run as root, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

const GRABBER = resolve(import.meta.dirname, '../dist/test/fixtures/banner-grab.js');
const TIMEOUT = 3000;

describe.skipIf(skip)('service detection against real daemons', () => {
  let daemons: Daemons;
  let report: BannerGrabReport;
  const by = (port: number): GrabOneResult => report.results.find((r) => r.port === port)!;

  beforeAll(async () => {
    if (!existsSync(GRABBER)) throw new Error(`${GRABBER} is missing: run npm run build first`);
    daemons = await startDaemons();
    const ports = Object.values(daemons.ports).join(',');
    const out = execFileSync('ip', ['netns', 'exec', daemons.ns, process.execPath, GRABBER, '127.0.0.1', ports, '--timeout', String(TIMEOUT)], { encoding: 'utf8', timeout: 30_000 });
    report = JSON.parse(out) as BannerGrabReport;
  });

  afterAll(() => daemons?.stop());

  it('names OpenSSH and its packaged version', () => {
    const want = upstreamVersion(installedVersion(PACKAGES.ssh)!); // 1:9.2p1-2+deb12u10 → 9.2p1
    expect(by(daemons.ports.ssh).info).toMatchObject({ service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: want });
    expect(by(daemons.ports.ssh).info?.banner).toMatch(/^SSH-2\.0-OpenSSH_/);
  });

  it('names nginx over HTTP, version from the Server header', () => {
    const want = upstreamVersion(installedVersion(PACKAGES.http)!);
    expect(by(daemons.ports.http).info).toMatchObject({ service: 'http', serviceSource: 'probe', product: 'nginx', version: want });
    expect(by(daemons.ports.http).info?.tls).toBeUndefined();
  });

  it('names nginx over HTTPS and reads the certificate it presents', () => {
    const r = by(daemons.ports.https);
    expect(r.info).toMatchObject({ service: 'https', serviceSource: 'probe', product: 'nginx', version: upstreamVersion(installedVersion(PACKAGES.http)!) });
    expect(r.info?.tls).toMatchObject({ subject: CERT_NAMES.cn, names: [...CERT_NAMES.alt], issuer: CERT_NAMES.issuer });
    const notAfter = Date.parse(r.info!.tls!.notAfter!);
    expect(notAfter).toBeGreaterThan(Date.now());
    expect(notAfter).toBeLessThan(Date.now() + 3 * 86_400_000); // the test certificate lives one day
  });

  it('names Redis with the version INFO tells', () => {
    const want = upstreamVersion(installedVersion(PACKAGES.redis)!);
    expect(by(daemons.ports.redis).info).toMatchObject({ service: 'redis', serviceSource: 'probe', product: 'Redis key-value store', version: want });
  });

  it('gives up on a silent service within the budget, keeping the port guess', () => {
    const r = by(daemons.ports.silent);
    expect(r.info).toEqual({ service: expect.any(String), serviceSource: 'port' });
    expect(r.ms).toBeLessThan(TIMEOUT + 1000);
    expect(r.connections).toBeLessThanOrEqual(4);
  });

  it('cuts a flood off cleanly, with bounded memory', () => {
    const r = by(daemons.ports.flood);
    expect(r.info).toMatchObject({ serviceSource: 'port', banner: 'A'.repeat(256) });
    expect(r.ms).toBeLessThan(TIMEOUT);
    // The flood offers 64 MiB a connection; the grabber keeps maxBytes of it.
    expect(report.maxRssKiB).toBeLessThan(200 * 1024);
  });

  it('cuts a trickle and keeps garbage as an escaped, unmatched banner', () => {
    expect(by(daemons.ports.trickle).info).toMatchObject({ serviceSource: 'port', banner: expect.stringMatching(/^x+$/) });
    // Text still coming mid-line is read on to the end of the port's budget (it was cut 250 ms after the listen), no further.
    expect(by(daemons.ports.trickle).ms).toBeLessThan(TIMEOUT + 300);
    const garbage = by(daemons.ports.garbage).info!;
    expect(garbage.serviceSource).toBe('port');
    expect(garbage.banner).toMatch(/^[\x20-\x7e]+$/);
    expect(garbage.banner!.length).toBeLessThanOrEqual(256);
  });

  it('finishes every port, all at once, within one budget', () => {
    expect(report.results).toHaveLength(Object.keys(daemons.ports).length);
    for (const r of report.results) expect(r.error, `port ${r.port}`).toBeUndefined();
    expect(report.wallMs).toBeLessThan(TIMEOUT + 1500);
  });
});
