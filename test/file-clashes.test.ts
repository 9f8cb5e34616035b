/**
 * A file the command would write twice, or write over while it reads it, is
 * refused before anything is opened, and the file is left as it was: -o and
 * --summary-json on one file kept only the summary; -iL t.txt -o t.txt
 * replaced the target list with the report; merge or resume -o onto a shard
 * file truncated it before it was read. An --out-dir that is a file is a
 * one-line error too (it was "internal error: ENOTDIR" at the first write).
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^shardscan: error: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

describe('files a scan would write over', () => {
  it('-o and --summary-json on the same file', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1', '-f', 'json', '-o', 'same.json', '--summary-json', './same.json', '--no-out-dir', '-q'], { cwd });
    expectOneLine(r, /-o and --summary-json name the same file 'same\.json'; give each its own/);
    expect(readdirSync(cwd).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('-o onto the target list it reads (-iL), also through another name for it', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 't.txt'), '127.0.0.1\n');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('t.txt', join(cwd, 'link.txt'));
    for (const out of ['t.txt', 'link.txt']) {
      const r = await runCli(['-iL', 't.txt', '-p', '1', '-o', out, '--no-out-dir', '-q'], { cwd });
      expectOneLine(r, new RegExp(`-o '${out.replace('.', '\\.')}' would write over the --input-file, which this command reads`));
      expect(readFileSync(join(cwd, 't.txt'), 'utf8')).toBe('127.0.0.1\n');
    }
  });

  it.each([
    // Through a symlinked directory, and through a symlink to a file not made yet: both reports went into x.txt, exit 0.
    [['-o', 'x.txt', '-oX', 'dl/x.txt'], /name the same file 'x\.txt'/],
    [['-o', 'x.txt', '-oX', 'xlink'], /name the same file 'x\.txt'/],
    // The manifest written over the XML report, without a word.
    [['--out-dir', 'odx', '-oX', 'odl/manifest.json'], /name the same file 'odl\/manifest\.json'|manifest\.json name the same file/],
  ])('two reports into one file that does not exist yet, through symlinks (%j)', async (args, message) => {
    const cwd = scratchDir();
    const { mkdirSync, symlinkSync } = await import('node:fs');
    symlinkSync('.', join(cwd, 'dl'));
    symlinkSync('x.txt', join(cwd, 'xlink'));
    mkdirSync(join(cwd, 'odx'));
    symlinkSync('odx', join(cwd, 'odl'));
    const r = await runCli(['127.0.0.1', '-p', '1', '-f', 'ndjson', ...args, ...(args.includes('--out-dir') ? [] : ['--no-out-dir']), '-q'], { cwd });
    expectOneLine(r, message);
    expect(readdirSync(cwd).filter((f) => !f.startsWith('.')).sort()).toEqual(['dl', 'odl', 'odx', 'xlink']);
  });

  it.each(['manifest.json', 'checkpoint.json.tmp', 'manifest.json.tmp', 'shard-1-of-1.ndjson.tmp'])('-o onto %s, a file of the shard directory the scan writes', async (name) => {
    // The temporary ones were let through: each checkpoint cut the report and renamed it into place, and resume refused the directory.
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1', '--out-dir', 'd', '-o', `d/${name}`, '-q'], { cwd });
    expectOneLine(r, new RegExp(`-o and the shard directory's ${name.replace(/\./g, '\\.')} name the same file`));
  });

  it('/dev/null may take both the report and the summary', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1', '-o', '/dev/null', '--summary-json', '/dev/null', '--no-out-dir', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('--out-dir naming a file, or /dev/null, is refused in one line before the scan', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'afile'), 'keep\n');
    for (const dir of ['afile', '/dev/null']) {
      const r = await runCli(['127.0.0.1', '-p', '1', '--out-dir', dir, '-q'], { cwd });
      expectOneLine(r, new RegExp(`cannot create --out-dir '${dir.replace(/[/.]/g, '\\$&')}': ENOTDIR; pick a writable directory`));
    }
    expect(readFileSync(join(cwd, 'afile'), 'utf8')).toBe('keep\n');
  });

  it('--out-dir holding an earlier scan\'s records or checkpoint but no manifest is refused, and left as it was', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-20', '--states', 'all', '--out-dir', 'd', '-q', '-f', 'ndjson'], { cwd });
    expect(first.code).toBe(0);
    const records = readFileSync(join(cwd, 'd', 'shard-1-of-1.ndjson'), 'utf8');
    expect(records.trim().split('\n')).toHaveLength(20);
    rmSync(join(cwd, 'd', 'manifest.json'));
    const checkpoint = readFileSync(join(cwd, 'd', 'checkpoint.json'), 'utf8');
    // A new manifest was written before this refusal, and `status` took the 20 old records for the new scan's.
    const cases: [string, () => void][] = [
      ['shard-1-of-1.ndjson and checkpoint.json', () => {}],
      ['shard-1-of-1.ndjson', () => rmSync(join(cwd, 'd', 'checkpoint.json'))],
      ['checkpoint.json', () => (rmSync(join(cwd, 'd', 'shard-1-of-1.ndjson')), writeFileSync(join(cwd, 'd', 'checkpoint.json'), checkpoint))],
    ];
    for (const [leftover, arrange] of cases) {
      arrange();
      const before = readdirSync(join(cwd, 'd')).sort();
      const r = await runCli(['127.0.0.1', '-p', '1-500', '--out-dir', 'd', '-q', '-f', 'ndjson'], { cwd });
      expect(r.code, leftover).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`shardscan: error: --out-dir d holds ${leftover} of an earlier scan but no manifest.json; pick another --out-dir, or remove them\n`);
      expect(readdirSync(join(cwd, 'd')).sort(), leftover).toEqual(before);
    }
  });
});

describe('merge and resume -o onto a shard file', () => {
  it('merge -o onto a shard file it reads is refused, and the file is left whole', async () => {
    const cwd = scratchDir();
    const scan = await runCli(['127.0.0.1', '-p', '1-20', '--states', 'all', '--out-dir', 'd', '-q', '-f', 'ndjson', '-o', '/dev/null'], { cwd });
    expect(scan.code).toBe(0);
    const records = join(cwd, 'd', 'shard-1-of-1.ndjson');
    const before = readFileSync(records, 'utf8');
    expect(before.trim().split('\n')).toHaveLength(20);
    const merge = await runCli(['merge', 'd', '-f', 'ndjson', '-o', 'd/shard-1-of-1.ndjson'], { cwd });
    expectOneLine(merge, /-o 'd\/shard-1-of-1\.ndjson' would write over 'd\/shard-1-of-1\.ndjson', which this command reads/);
    expect(readFileSync(records, 'utf8')).toBe(before);
  });

  it('resume -o onto the records file of the scan it continues is refused', async () => {
    const cwd = scratchDir();
    const scan = await runCli(['127.0.0.1', '-p', '1-2000', '--rate', '200', '--max-time', '0.5', '--states', 'all', '--out-dir', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(scan.code).toBe(0);
    const records = join(cwd, 'd', 'shard-1-of-1.ndjson');
    const before = readFileSync(records, 'utf8');
    const r = await runCli(['resume', 'd', '-o', 'd/shard-1-of-1.ndjson', '-q'], { cwd });
    expectOneLine(r, /-o 'd\/shard-1-of-1\.ndjson' would write over 'd\/shard-1-of-1\.ndjson', which this command reads/);
    expect(readFileSync(records, 'utf8')).toBe(before);
  });
});
