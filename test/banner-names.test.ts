/**
 * --banners on a target given by name sends that name as HTTP's Host and
 * TLS's SNI, as a browser (and nmap's scripts, and zgrab2) would: a server
 * with virtual hosts answers the site the user named, and a TLS server that
 * picks its certificate by SNI shows that one. It connects to the address,
 * and a target given as an address sends the address and no SNI. The
 * fixture's nginx echoes both in headers; the scan runs in its namespace,
 * where `localhost` resolves from /etc/hosts. Needs root and the packages
 * .ci/run installs; SHARDSCAN_SKIP_ROOT_TESTS=1 skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Daemons, daemonsUnavailable, startDaemons } from './fixtures/daemons.js';
import { ndjson, runCli } from './helpers/cli.js';

const why = daemonsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`banner name tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

describe.skipIf(skip)('--banners sends the name the user typed', () => {
  let daemons: Daemons;
  let prefix: string;

  beforeAll(async () => {
    daemons = await startDaemons(['http', 'https']);
    prefix = `exec ip netns exec ${daemons.ns}`;
  });
  afterAll(() => daemons?.stop());

  async function banners(target: string, workers: string[]): Promise<{ http: string; https: string }> {
    const { http, https } = daemons.ports;
    const r = await runCli([target, '-p', `${http},${https}`, '-sV', '--banner-timeout', '2s', '-f', 'ndjson', '--no-out-dir', '-q', ...workers], { prefix });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const recs = ndjson(r.stdout);
    expect(recs.map((x) => [x.host, x.state]).sort()).toEqual([['127.0.0.1', 'open'], ['127.0.0.1', 'open']]);
    const bannerOf = (port: number): string => String(recs.find((x) => x.port === port)?.banner);
    return { http: bannerOf(http), https: bannerOf(https) };
  }

  // Both paths: a small scan's loop on the main thread, and the worker pool (-w 2).
  it.each([[[]], [['-w', '2']]])('a name: Host and SNI are the name (workers %j)', async (workers) => {
    const b = await banners('localhost', workers);
    expect(b.http).toContain(`X-Host: localhost:${daemons.ports.http}\\r\\n`);
    expect(b.https).toContain(`X-Host: localhost:${daemons.ports.https}\\r\\n`);
    expect(b.https).toContain('X-SNI: [localhost]\\r\\n');
  });

  it('an address: Host is the address, and no SNI is sent (SNI takes names only)', async () => {
    const b = await banners('127.0.0.1', []);
    expect(b.http).toContain(`X-Host: 127.0.0.1:${daemons.ports.http}\\r\\n`);
    expect(b.https).toContain(`X-Host: 127.0.0.1:${daemons.ports.https}\\r\\n`);
    expect(b.https).toContain('X-SNI: []\\r\\n');
  });
});
