/**
 * What `merge` writes, and what it leaves alone: a refused merge never
 * empties an existing -o file (it did, before the shards were checked); a
 * complete shard whose records file lost, repeated or cut lines is refused
 * (it was merged, under a summary that said "complete"); a full disk or a
 * closed pipe is a write failure in one line, or a quiet stop for | head
 * (both were "internal error"). The full-disk case mounts a tmpfs (root).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

const root = process.getuid?.() === 0;
const skipRoot = !root && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';

let cwd: string;
beforeAll(async () => {
  cwd = scratchDir();
  for (const i of [1, 2]) {
    const r = await runCli(['127.0.0.1', '-p', '1-400', '--seed', '5', '--shard', `${i}/2`, '--states', 'all', '--out-dir', `s${i}`, '-q', '-o', '/dev/null'], { cwd });
    expect(r.code).toBe(0);
  }
});

function expectOneLine(r: { code: number | null; stderr: string }, code: number, message: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(/^shardscan: error: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

describe('merge -o', () => {
  it('writes the report, and leaves no temporary file', async () => {
    const r = await runCli(['merge', 's1', 's2', '-f', 'ndjson', '-o', 'all.ndjson'], { cwd });
    expect(r.code).toBe(0);
    expect(readFileSync(join(cwd, 'all.ndjson'), 'utf8').trim().split('\n')).toHaveLength(400);
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('says the scan ended when its last shard did, not when it was merged (a merge a day later said a day later)', async () => {
    const ends = ['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:09.000Z'];
    for (const [i, end] of ends.entries()) {
      cpSync(join(cwd, `s${i + 1}`), join(cwd, `ended${i + 1}`), { recursive: true });
      const file = join(cwd, `ended${i + 1}`, 'manifest.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), endedAt: end }));
    }
    const r = await runCli(['merge', 'ended2', 'ended1', '-oX', 'ended.xml', '-oG', 'ended.gnmap', '-o', '/dev/null'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'ended.xml'), 'utf8')).toContain(`<finished time="${Date.parse(ends[1]!) / 1000}" `);
    expect(readFileSync(join(cwd, 'ended.gnmap'), 'utf8')).toContain(`# shardscan done at ${ends[1]} -- `);
  });

  it("an empty -o is a forgotten file name: exit 2, one line, before any shard is read", async () => {
    const r = await runCli(['merge', 's1', 's2', '-o', ''], { cwd });
    expectOneLine(r, 2, /--output needs a file name, e\.g\. -o report\.txt \(- for stdout\)/);
  });

  it('writes through a symlink given as -o, and leaves the link a link', async () => {
    const { lstatSync, symlinkSync } = await import('node:fs');
    writeFileSync(join(cwd, 'real.ndjson'), 'old\n');
    symlinkSync('real.ndjson', join(cwd, 'link.ndjson'));
    const r = await runCli(['merge', 's1', 's2', '-f', 'ndjson', '-o', 'link.ndjson'], { cwd });
    expect(r.code).toBe(0);
    expect(lstatSync(join(cwd, 'link.ndjson')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(cwd, 'real.ndjson'), 'utf8').trim().split('\n')).toHaveLength(400);
  });

  it('writes through a dangling symlink given as -o, as a scan does, and leaves the link a link (it was replaced by a file)', async () => {
    const { lstatSync, mkdirSync: mkdir, symlinkSync } = await import('node:fs');
    mkdir(join(cwd, 'reports'));
    symlinkSync('reports/new.ndjson', join(cwd, 'dangling.ndjson'));
    const r = await runCli(['merge', 's1', 's2', '-f', 'ndjson', '-o', 'dangling.ndjson'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(join(cwd, 'dangling.ndjson')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(cwd, 'reports', 'new.ndjson'), 'utf8').trim().split('\n')).toHaveLength(400);
    expect(readdirSync(join(cwd, 'reports'))).toEqual(['new.ndjson']);
  });

  it.each([
    [['s1'], /missing shard 2\/2/],
    [['s1', 's1'], /shard 1\/2 is given twice/],
    [['s1', 's2', '--states', 'opened'], /'opened' is not a state/],
  ])('a refused merge (%j) leaves an existing report as it was', async (args, message) => {
    writeFileSync(join(cwd, 'keep.txt'), 'an earlier report\n');
    const r = await runCli(['merge', ...args, '-o', 'keep.txt'], { cwd });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(join(cwd, 'keep.txt'), 'utf8')).toBe('an earlier report\n');
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('merge --allow-partial', () => {
  it('says shards are missing, not that the scan was stopped by a signal', async () => {
    const text = await runCli(['merge', 's1', '--allow-partial', '-f', 'text'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\nshardscan INTERRUPTED \(shards-missing\): partial results: 1 host × 400 ports, 200 of 400 probes in /);
    const xml = await runCli(['merge', 's1', '--allow-partial', '-f', 'xml'], { cwd });
    expect(xml.stdout).toMatch(/errormsg="merged without every shard \(shards-missing\): partial results"/);
  });

  it('counts a killed shard by its last checkpoint (its manifest never got counts)', async () => {
    const dir = join(cwd, 'killed');
    let child: import('node:child_process').ChildProcess | null = null;
    const run = runCli(['127.0.0.1', '-p', '1-6000', '--seed', '5', '--rate', '2000', '--states', 'all', '--out-dir', dir, '-q', '-o', '/dev/null'], { cwd, onSpawn: (c) => (child = c) });
    const until = Date.now() + 10_000;
    const progressed = (): boolean => existsSync(join(dir, 'checkpoint.json')) && (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { counts: { closed: number } }).counts.closed > 0;
    while (!progressed()) {
      if (Date.now() > until) throw new Error('no checkpoint with progress');
      await new Promise((r) => setTimeout(r, 50));
    }
    child!.kill('SIGKILL');
    await run;
    const cp = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { counts: Record<string, number> };
    const r = await runCli(['merge', dir, '--allow-partial', '-f', 'json'], { cwd });
    expect(r.code).toBe(0);
    const merged = JSON.parse(r.stdout) as { summary: { status: string; stopReason: string; done: number; elapsedMs: number; counts: Record<string, number> }; records: { state: string }[] };
    const { summary } = merged;
    expect(summary).toMatchObject({ status: 'interrupted', stopReason: 'signal' });
    expect(summary.done).toBe(Object.values(cp.counts).reduce((a, b) => a + b, 0));
    expect(summary.done).toBeGreaterThan(0);
    expect(summary.elapsedMs).toBeGreaterThan(0);
    // The records listed are the ones counted: those past the checkpoint were listed, uncounted (20,588 under "8192 of 131070").
    expect(merged.records).toHaveLength(summary.done);
    for (const state of ['open', 'closed']) expect(merged.records.filter((x) => x.state === state).length).toBe(summary.counts[state]);
    const inFile = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8').split('\n').filter((l) => l.endsWith('}')).length;
    expect(r.stderr).toBe(inFile > summary.done ? `shardscan: ${inFile - summary.done} records past the last checkpoint of an unfinished shard were left out, as its counts leave them out (resume probes them again)\n` : '');
  });
});

describe('merge of a directory of shard directories', () => {
  it('merges the shards in it, as status reads it; one that holds none is one line', async () => {
    const results = join(cwd, `results-${Math.random().toString(36).slice(2)}`);
    for (const s of ['s1', 's2']) cpSync(join(cwd, s), join(results, `machine-${s}`), { recursive: true });
    const r = await runCli(['merge', results, '-f', 'ndjson', '--states', 'all'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { port: number }).port)).size).toBe(400);
    mkdirSync(join(results, 'empty'));
    const none = await runCli(['merge', join(results, 'empty')], { cwd });
    expectOneLine(none, 2, /is not a shard directory and holds none \(no manifest\.json in it or in its subdirectories\)/);
  });
});

describe('a damaged complete shard', () => {
  const damage: [string, (file: string) => void][] = [
    ['a line lost', (f) => writeFileSync(f, readFileSync(f, 'utf8').split('\n').filter((_, i) => i !== 3).join('\n'))],
    ['a line repeated', (f) => {
      const lines = readFileSync(f, 'utf8').split('\n');
      writeFileSync(f, [lines[0], ...lines].join('\n'));
    }],
    ['the file cut short', (f) => truncateSync(f, 2000)],
  ];
  it.each(damage)('%s: refused in one line, nothing put in place', async (_, hurt) => {
    const dir = join(cwd, `hurt-${Math.random().toString(36).slice(2)}`);
    cpSync(join(cwd, 's2'), dir, { recursive: true });
    hurt(join(dir, 'shard-2-of-2.ndjson'));
    const r = await runCli(['merge', 's1', dir, '-f', 'ndjson', '-o', 'out.ndjson'], { cwd });
    expectOneLine(r, 2, /shard-2-of-2\.ndjson(:\d+: record 127\.0\.0\.\d+:\d+ is there twice| holds \d+ records, but the manifest of this complete shard says \d+): the directory is damaged \(shardscan validate /);
    expect(readdirSync(cwd).filter((f) => f === 'out.ndjson' || f.endsWith('.tmp'))).toEqual([]);
  });

  it('a line of another shard in place of its own (the count holds): refused, it was merged twice and its own lost', async () => {
    const dir = join(cwd, `mixed-${Math.random().toString(36).slice(2)}`);
    cpSync(join(cwd, 's2'), dir, { recursive: true });
    const file = join(dir, 'shard-2-of-2.ndjson');
    const [foreign] = readFileSync(join(cwd, 's1', 'shard-1-of-2.ndjson'), 'utf8').split('\n');
    writeFileSync(file, [foreign, ...readFileSync(file, 'utf8').split('\n').slice(1)].join('\n'));
    const r = await runCli(['merge', 's1', dir, '-f', 'ndjson', '-o', 'out.ndjson'], { cwd });
    expectOneLine(r, 2, /shard-2-of-2\.ndjson: record 127\.0\.0\.1:\d+ is not part of this shard's scan; .*: the directory is damaged \(shardscan validate /);
    expect(readdirSync(cwd).filter((f) => f === 'out.ndjson' || f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('merge to stdout that closes', () => {
  it('| head: a quiet stop, exit 141 (a scan\'s too); with a file report beside it, that file is whole and exit 0', async () => {
    // The reader is gone before the first write: every write fails with EPIPE.
    const r = await runCli(['merge', 's1', 's2', '-f', 'ndjson'], { cwd, prefix: 'exec 1> >(exec true); sleep 0.2;' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
    const both = await runCli(['merge', 's1', 's2', '-f', 'ndjson', '-oG', 'beside.gnmap'], { cwd, prefix: 'exec 1> >(exec true); sleep 0.2;' });
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(readFileSync(join(cwd, 'beside.gnmap'), 'utf8')).toMatch(/\n# shardscan done at .*\n$/);
  });
});

describe.skipIf(skipRoot)('merge -o on a full disk', () => {
  let mnt: string;
  beforeAll(() => {
    if (!root) throw new Error('this test mounts a tmpfs and needs root; set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip it');
    mnt = join(scratchDir(), 'tiny');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]);
  });
  afterAll(() => {
    if (mnt) execFileSync('umount', [mnt]);
  });

  it('says so in one line, exits 1, and leaves no partial file', async () => {
    const r = await runCli(['merge', 's1', 's2', '-f', 'ndjson', '-o', join(mnt, 'all.ndjson')], { cwd });
    expectOneLine(r, 1, /cannot write the report to .*all\.ndjson: ENOSPC/);
    expect(readdirSync(mnt)).toEqual([]);
  });

  // The report on a disk with room was not written either, and the line named only the one that failed.
  it('with another report beside it: the line says that none was written', async () => {
    const r = await runCli(['merge', 's1', 's2', '-f', 'ndjson', '-o', 'ok.ndjson', '-oX', join(mnt, 'all.xml')], { cwd });
    expectOneLine(r, 1, /cannot write the report to .*all\.xml: ENOSPC.*; no report was written: merge puts its 2 reports in place together or not at all\n$/);
    expect(existsSync(join(cwd, 'ok.ndjson'))).toBe(false);
    expect(readdirSync(mnt)).toEqual([]);
  });
});
