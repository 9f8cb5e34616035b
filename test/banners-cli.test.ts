/**
 * --banners end to end: the CLI, run inside a namespace with real daemons
 * (sshd, nginx over HTTP and HTTPS, redis-server) and services that stay
 * silent or flood, gives records with product and version, the text report's
 * VERSION column and the certificate line, and a grep version field; and
 * --banners is refused where it cannot show anything. Needs root and the
 * packages .ci/run installs; SHARDSCAN_SKIP_ROOT_TESTS=1 skips.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validator } from '../src/schemas.js';
import { CERT_NAMES, type Daemons, PACKAGES, daemonsUnavailable, installedVersion, startDaemons, upstreamVersion } from './fixtures/daemons.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { recordsIn, signalWhen } from './helpers/wait.js';

const why = daemonsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`banner CLI tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

const STARTED = ['ssh', 'http', 'https', 'redis', 'silent', 'flood'] as const;

describe.skipIf(skip)('--banners through the CLI', () => {
  let daemons: Daemons;
  let prefix: string;
  let ports: string;

  beforeAll(async () => {
    daemons = await startDaemons(STARTED);
    prefix = `exec ip netns exec ${daemons.ns}`;
    // The daemons' ports and a few closed ones, scanned with the worker pool (not the small in-process path).
    ports = `${started().join(',')},1-40`;
  });
  afterAll(() => daemons?.stop());
  const started = (): number[] => STARTED.map((n) => daemons.ports[n]);

  it('records product and version from the services, not from the port numbers', async () => {
    const r = await runCli(['127.0.0.1', '-p', ports, '-sV', '--banner-timeout', '2s', '-f', 'ndjson', '--no-out-dir', '-w', '2'], { prefix });
    expect(r.code).toBe(0);
    const recs = ndjson(r.stdout);
    const by = (port: number) => recs.find((x) => x.port === port)!;
    const p = daemons.ports;
    const ssh = upstreamVersion(installedVersion(PACKAGES.ssh)!);
    expect(by(p.ssh!)).toMatchObject({ state: 'open', service: 'ssh', serviceSource: 'probe', product: 'OpenSSH', version: ssh.replace(/^1:/, '') });
    const nginx = upstreamVersion(installedVersion(PACKAGES.http)!);
    expect(by(p.http!)).toMatchObject({ service: 'http', product: 'nginx', version: nginx });
    expect(by(p.https!)).toMatchObject({ service: 'https', product: 'nginx', version: nginx, tls: { subject: CERT_NAMES.cn, issuer: CERT_NAMES.issuer } });
    expect((by(p.https!).tls as { names: string[] }).names).toEqual(expect.arrayContaining(CERT_NAMES.alt));
    expect(by(p.redis!)).toMatchObject({ service: 'redis', version: upstreamVersion(installedVersion(PACKAGES.redis)!) });
    // Silent and flooding services end cleanly, keeping the port table's guess.
    expect(by(p.silent!)).toMatchObject({ state: 'open', serviceSource: 'port' });
    expect(by(p.flood!)).toMatchObject({ state: 'open', serviceSource: 'port' });
    expect((by(p.flood!).banner as string).length).toBeLessThanOrEqual(1100);
    const validate = validator('record');
    for (const rec of recs) expect(validate(rec), JSON.stringify(validate.errors)).toBe(true);
    expect(recs.filter((x) => x.state !== 'open')).toEqual([]);
  });

  it('shows a VERSION column and the certificate in the text report, and versions in grep lines', async () => {
    const text = await runCli(['127.0.0.1', '-p', `${daemons.ports.ssh},${daemons.ports.https}`, '-sV', '--banner-timeout', '2s', '--no-out-dir', '-q'], { prefix });
    expect(text.stdout).toMatch(/PORT\s+STATE\s+SERVICE\s+REASON\s+RTT\s+VERSION/);
    expect(text.stdout).toMatch(new RegExp(`^${daemons.ports.ssh}/tcp\\s+open\\s+ssh\\s+syn-ack\\s+\\S+ms\\s+OpenSSH \\d`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`\\|_tls: subject ${CERT_NAMES.cn.replace(/\./g, '\\.')}; names .*${CERT_NAMES.alt[1]!.replace(/\./g, '\\.')}`));
    const grep = await runCli(['127.0.0.1', '-p', String(daemons.ports.ssh), '-sV', '--banner-timeout', '2s', '--no-out-dir', '-q', '-f', 'grep'], { prefix });
    expect(grep.stdout).toMatch(new RegExp(`${daemons.ports.ssh}/open/tcp//ssh//OpenSSH \\d[^/]*/`));
  });

  it('a scan killed while ports are being read resumes and reads them again: each open port once, with its service', async () => {
    const dir = join(scratchDir(), 'sv');
    const args = ['127.0.0.1', '-p', ports, '-sV', '--banner-timeout', '3s', '-f', 'ndjson', '-q', '-w', '2', '--out-dir', dir];
    // The silent service holds its read for the whole 3 s budget: the kill comes once the five other open ports are
    // in the shard file, so it lands mid-read (a fixed time could land before the scan on a loaded machine). A
    // wait that never ends leaves fewer records, which the assertion below rejects.
    const others = started().length - 1;
    const killed = await runCli(args, { prefix, onSpawn: (child) => void signalWhen(child, () => recordsIn(dir) >= others, 'SIGKILL') });
    expect(recordsIn(dir)).toBe(others);
    expect(killed.signal).toBe('SIGKILL');
    const resumed = await runCli(['resume', dir, '-q'], { prefix });
    expect(resumed.code).toBe(0);
    const recs = ndjson(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'));
    const open = recs.filter((x) => x.state === 'open');
    expect(open.map((x) => x.port as number).sort()).toEqual(started().sort());
    for (const rec of open) expect(rec.serviceSource, `port ${rec.port}`).toMatch(/^(probe|port)$/);
    expect(open.find((x) => x.port === daemons.ports.ssh)).toMatchObject({ product: 'OpenSSH' });
  });

  it.each([
    [['--banners', '--states', 'closed'], /--banners reads open ports, but --states closed shows none/],
    [['--banners', '--banner-timeout', '0'], /bad --banner-timeout '0'/],
    [['-sV', '--banner-concurrency', 'x'], /bad --banner-concurrency 'x'/],
  ])('%j is refused with one line and exit 2', async (args, message) => {
    const r = await runCli(['127.0.0.1', '-p', '1', ...args, '--no-out-dir'], { prefix });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
