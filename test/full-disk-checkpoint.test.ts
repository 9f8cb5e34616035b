/**
 * A full disk under the shard directory: the run stops (exit 1), but its last
 * checkpoint covers what its records file holds, written in the room the
 * directory kept (store/reserve.ts), so a resume probes again only the
 * batch that did not fit. Before, the checkpoint of up to a second before
 * stood: on a 200 KiB disk none of the 1,351 records on it was kept, on a
 * 2 MiB one 7,288 of 14,290 (an audit's runs). A tmpfs of 256 KiB is the disk;
 * needs root (mount), like the lab tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { onTmpfs, skipTmpfs } from './helpers/tmpfs.js';

const skip = skipTmpfs();

describe.skipIf(skip)('a full disk under the shard directory', () => {
  it('the last checkpoint covers the records on it; resume probes again only what did not fit, and ends exact', () => onTmpfs('disk', '256k', async (disk) => {
    const cwd = scratchDir();
    const scan = ['127.0.0.0/22', '-p', '1-20', '--seed', '7', '--states', 'all'];
    const dir = join(disk, 'd');
    const first = await runCli([...scan, '-f', 'ndjson', '-o', join(cwd, 'first.ndjson'), '-q', '--out-dir', dir], { cwd });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/cannot write .*shard-1-of-1\.ndjson: ENOSPC, the disk is full/);
    // The room kept while it ran is given back at the end.
    expect(existsSync(join(dir, 'space.reserve'))).toBe(false);
    const onDisk = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8').split('\n').slice(0, -1).length;
    expect(onDisk).toBeGreaterThan(500);
    execFileSync('mount', ['-o', 'remount,size=16m', disk]);
    const again = await runCli(['resume', dir, '-f', 'ndjson', '-o', join(cwd, 'again.ndjson')], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const kept = /\((\d+) records? kept\); (\d+) records? past the last checkpoint/.exec(again.stderr);
    expect(kept, again.stderr).not.toBeNull();
    // All but the batch that hit the full disk (a worker's batch: at most a few hundred records).
    expect(Number(kept![1])).toBeGreaterThan(onDisk - 600);
    expect(Number(kept![1]) + Number(kept![2])).toBe(onDisk);
    // The failed run said that number beside its headline's (which counts every position decided, more; helper 15).
    const said = /shardscan: the shard directory keeps (\d+) of these (\d+) probes \(its last checkpoint\); resume probes the rest again\n/.exec(first.stderr);
    expect(said, first.stderr).not.toBeNull();
    expect(Number(said![1])).toBe(Number(kept![1]));
    expect(first.stderr).toContain(`: ${said![2]}/20480 probes`);
    // And the union is the whole scan, each position once.
    const all = ndjson(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8')) as { host: string; port: number; state: string }[];
    expect(all).toHaveLength(1024 * 20);
    expect(new Set(all.map((r) => `${r.host}:${r.port}`)).size).toBe(1024 * 20);
  }), 90_000);

  it('out of inodes, not bytes: the reserve gives its inode to the checkpoint, and the scan ends complete', () => onTmpfs('inodes', '20m,nr_inodes=7', async (disk) => {
    // 7 inodes: the mount, d, and d's manifest, checkpoint, records file, lock and reserve; every checkpoint is written
    // to a new file first. Before, every one failed: exit 1 with all 20,480 records on disk, the checkpoint covering
    // none, and a resume probing them all again (audit helper 29).
    const dir = join(disk, 'd');
    const r = await runCli(['127.0.0.0/22', '-p', '1-20', '--seed', '7', '--states', 'all', '-f', 'ndjson', '-o', '/dev/null', '-q', '--out-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const status = await runCli(['status', dir]);
    expect(status.stdout).toMatch(/shard 1\/1 +complete +20480\/20480 \(100\.0%\)/);
    expect(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8').split('\n').slice(0, -1)).toHaveLength(20480);
  }), 60_000);

  it('out of inodes, then of bytes: the reserve, given to a checkpoint, is kept again for the records file\'s ENOSPC', () => onTmpfs('both', '160k,nr_inodes=7', async (disk) => {
    // Helper 31: once given to a checkpoint the reserve was gone, so when the records file filled the disk the last
    // checkpoint failed in silence: 800 of 1,099 records on disk kept, status "interrupted" with no "(error)".
    const dir = join(disk, 'd');
    const r = await runCli(['127.0.1.0/27', '-p', '1-40', '--states', 'all', '-f', 'ndjson', '-o', '/dev/null', '-q', '--rate', '400', '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*shard-1-of-1\.ndjson: ENOSPC, the disk is full/);
    const onDisk = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8').split('\n').slice(0, -1).length;
    const kept = /the shard directory keeps (\d+) of these/.exec(r.stderr);
    expect(kept, r.stderr).not.toBeNull();
    // All but the last batches (small at 400 probes a second: 16 records in the runs traced).
    expect(Number(kept![1])).toBeGreaterThan(onDisk - 150);
    expect((await runCli(['status', dir])).stdout).toMatch(/shard 1\/1 +interrupted \(error\) +\d+\/1280/);
  }), 60_000);
});
