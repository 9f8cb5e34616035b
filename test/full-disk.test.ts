/**
 * A full disk under the shard directory: the scan stops with one clear line
 * and exit 1, every record found still reaches the report, the checkpoint
 * claims only what was written, and after freeing space resume completes the
 * exact record set. Uses a tiny tmpfs (root needed, like the namespace tests;
 * SHARDSCAN_SKIP_ROOT_TESTS=1 skips both on a machine without root).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { onTmpfs, skipTmpfs } from './helpers/tmpfs.js';

const skip = skipTmpfs();

describe.skipIf(skip)('full disk', () => {
  let mnt: string;
  beforeAll(() => {
    mnt = join(scratchDir(), 'tiny');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  });
  afterAll(() => {
    if (mnt) execFileSync('umount', [mnt]);
  });

  it('loses nothing already found, and resume finishes once there is room', async () => {
    const dir = join(mnt, 'scan');
    const args = ['127.0.0.1', '-p', '1-20000', '--states', 'all', '--seed', '8', '-f', 'ndjson'];
    const full = await runCli([...args, '--out-dir', dir]);
    expect(full.code).toBe(1);
    // It said "The checkpoint covers every record written before this": a checkpoint is a second behind the records.
    expect(full.stderr).toMatch(/shardscan: error: cannot write .*shard-1-of-1\.ndjson: ENOSPC, the disk is full\. Free some space and run: shardscan resume \S+ \(it keeps the records its last checkpoint covers, and probes the rest again\)\n/);
    expect(full.stderr).not.toMatch(/\n\s+at /);
    const reported = ndjson(full.stdout);
    expect(reported.length).toBeGreaterThan(0);
    // Stopped, its lock gone: not "running" for the 10 s its last checkpoint stays fresh (its manifest could not say it ended).
    const status = await runCli(['status', dir, '--json']);
    expect((JSON.parse(status.stdout) as { scans: { entries: { state: string }[] }[] }).scans[0]!.entries[0]!.state).toBe('interrupted');
    // Everything the file holds was reported too.
    const inFile = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8').split('\n').filter((l) => l.endsWith('}'));
    const reportedKeys = new Set(reported.map((x) => `${x.host}:${x.port}`));
    for (const line of inFile) {
      const r = JSON.parse(line) as { host: string; port: number };
      expect(reportedKeys.has(`${r.host}:${r.port}`)).toBe(true);
    }
    execFileSync('mount', ['-o', 'remount,size=32m', mnt]);
    const resumed = await runCli(['resume', dir, '-f', 'ndjson', '-q']);
    expect(resumed.code).toBe(0);
    const fresh = await runCli([...args, '-q', '--no-out-dir']);
    const key = (text: string) => ndjson(text).map((x) => `${x.host}:${x.port}:${x.state}`).sort();
    expect(key(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toEqual(key(fresh.stdout));
  });

  it('a resume with no room for the records it keeps fails in one line and leaves the directory as it was', async () => {
    // Unmounted whatever happens (a failed first run left it mounted: the unmount was only around the resume).
    await onTmpfs('small', '1m', async (small) => {
      const dir = join(small, 'kept');
      const first = await runCli(['127.0.0.1', '-p', '1-3000', '--states', 'all', '--seed', '9', '--rate', '3000', '--max-time', '0.5', '-q', '-o', '/dev/null', '--out-dir', dir]);
      expect(first.code, first.stderr).toBe(0);
      const files = readdirSync(dir).sort();
      const before = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8');
      expect(before.length).toBeGreaterThan(10_000);
      // The resume writes the records it keeps beside the file before it replaces it: fill what is left.
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${join(small, 'filler')} bs=1k 2>/dev/null || true`]);
      const full = await runCli(['resume', dir, '-q', '-o', '/dev/null']);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(/^shardscan: error: cannot write .*shard-1-of-1\.ndjson\.tmp: ENOSPC, the disk is full\. Free some space \(resume rewrites the records file, so it needs about that file's size free\) and run resume again\.\n$/);
      // No partial copy (it would hold the space the user frees), no lock, the records as they were.
      expect(readdirSync(dir).sort()).toEqual(files);
      expect(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8')).toBe(before);
    });
  });

  it('a report on the same full disk is said with the scan\'s own failure, not instead of it', async () => {
    await onTmpfs('both', '64k', async (small) => {
      const xml = join(small, 'r.xml');
      const r = await runCli(['127.0.0.1', '-p', '1-20000', '--states', 'all', '--seed', '8', '-f', 'ndjson', '-q', '--out-dir', join(small, 'scan'), '-oX', xml]);
      expect(r.code).toBe(1);
      // It said only the report's line: nothing said the shard directory had filled and stopped the scan, nor how to resume.
      expect(r.stderr).toMatch(/shardscan: error: cannot write .*shard-1-of-1\.ndjson: ENOSPC, the disk is full\. Free some space and run: shardscan resume /);
      expect(r.stderr).toContain(`shardscan: error: cannot write the report to ${xml}: ENOSPC`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(ndjson(r.stdout).length).toBeGreaterThan(0); // the records found still reached the report on the other disk
    });
  });

  // The report alone on a full disk, with no shard directory: the file is the only copy of what it holds, and it looked
  // like a whole report of fewer ports (an audit's find). The error says it stops short, and the file stays.
  it('a report cut by a full disk: the error says the file stops short, and the file keeps what was written', async () => {
    await onTmpfs('report', '64k', async (small) => {
      const out = join(small, 'r.ndjson');
      const r = await runCli(['127.0.0.1', '-p', '1-20000', '--states', 'all', '--seed', '8', '-f', 'ndjson', '-q', '--no-out-dir', '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`\nshardscan: error: cannot write the report to ${out}: ENOSPC (the file stops short: it holds only what was written before)\n`);
      const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l.endsWith('}'));
      expect(lines.length).toBeGreaterThan(100);
    });
  });

  // Full before the first write: the line said "Free some space; then: shardscan resume DIR", which then refused
  // (no manifest), and the empty directory stayed behind.
  it('a disk full before the scan starts: one line that says to run the scan again, and no directory left', async () => {
    await onTmpfs('full', '64k', async (full) => {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(full, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd ends with ENOSPC: the disk is full
      }
      const dir = join(full, 'scan');
      const r = await runCli(['127.0.0.1', '-p', '1-10', '-q', '--out-dir', dir, '-o', '/dev/null']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^shardscan: error: cannot write \S+manifest\.json: ENOSPC, the disk is full\. Free some space and run the scan again \(nothing was scanned yet\)\.?\n$/);
      expect(readdirSync(full)).toEqual(['filler']);
    });
  });
});
