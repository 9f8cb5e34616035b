/**
 * An open record says whether its scan read banners (serviceSource), so the
 * records of a scan without --banners copied into the directory of one with
 * it (two runs with the same --out-dir, synced file by file) are refused by
 * validate and merge, and the other way round: they passed, and the merged
 * report lost that shard's banners without a word (helper 20). Loopback only.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((c) => {
    c.on('error', () => undefined); // a probe's RST
    c.end('SSH-2.0-OpenSSH_9.2p1\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('records of a scan with and without --banners, mixed', () => {
  it('are refused by validate and merge, naming the line', async () => {
    const cwd = scratchDir();
    const scanOf = (dir: string, ...more: string[]) => runCli(['127.0.0.1', '-p', String(port), '--seed', '5', '-q', '-o', '/dev/null', '--out-dir', dir, ...more], { cwd });
    expect((await scanOf('with', '-sV')).code).toBe(0);
    expect((await scanOf('without')).code).toBe(0);
    expect((await runCli(['validate', 'with', 'without'], { cwd })).code).toBe(0);
    copyFileSync(join(cwd, 'without', 'shard-1-of-1.ndjson'), join(cwd, 'with', 'shard-1-of-1.ndjson'));
    const v = await runCli(['validate', 'with'], { cwd });
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toContain('with/shard-1-of-1.ndjson:1: an open port without "serviceSource", in a scan with --banners');
    const m = await runCli(['merge', 'with', '-o', '/dev/null'], { cwd });
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^shardscan: error: with\/shard-1-of-1\.ndjson:1: an open port without "serviceSource"/);
    // The other way round: a banner's record in a scan without --banners.
    expect((await scanOf('with2', '-sV')).code).toBe(0);
    copyFileSync(join(cwd, 'with2', 'shard-1-of-1.ndjson'), join(cwd, 'without', 'shard-1-of-1.ndjson'));
    const back = await runCli(['validate', 'without'], { cwd });
    expect(back.code).toBe(1);
    expect(back.stdout + back.stderr).toContain('"serviceSource" on an open port, in a scan without --banners');
    // Helper 23: any field a banner read gives, on a port no read was made for.
    const edited = (line: string): string => JSON.stringify({ ...(JSON.parse(line) as object), banner: 'SSH-2.0-x' });
    expect((await scanOf('plain')).code).toBe(0);
    const plainPath = join(cwd, 'plain', 'shard-1-of-1.ndjson');
    writeFileSync(plainPath, `${readFileSync(plainPath, 'utf8').trim().split('\n').map(edited).join('\n')}\n`);
    const banner = await runCli(['validate', 'plain'], { cwd });
    expect(banner.code).toBe(1);
    expect(banner.stdout + banner.stderr).toContain('"banner" on an open port, in a scan without --banners');
  }, 60_000);
});
