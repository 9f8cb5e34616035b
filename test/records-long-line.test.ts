/**
 * A records file with a line longer than any record (a crash's sparse tail of
 * zero bytes, a file replaced by /dev/zero): readRecords stops at
 * MAX_LINE_BYTES with one error naming the file and line. Unbounded, its line
 * buffer doubled to 2 GiB (4.2 GB of RSS) and Node aborted on its own
 * assertion with a native stack trace (exit 134), in resume, validate and merge.
 */
import { appendFileSync, rmSync, symlinkSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ProbeRecord, recordLine } from '../src/model/record.js';
import { MAX_LINE_BYTES, readRecords } from '../src/store/read.js';
import { runCli, scratchDir } from './helpers/cli.js';

const rec = (i: number): ProbeRecord => ({ host: `127.0.0.${1 + (i % 200)}`, port: 1 + i, state: 'closed', reason: 'ECONNREFUSED', rttMs: 0.1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' });

async function readAll(path: string): Promise<number> {
  let n = 0;
  for await (const _ of readRecords(path)) n++;
  return n;
}

describe('a line longer than any record', () => {
  it('a sparse tail of zero bytes past MAX_LINE_BYTES: one error naming the file and the line', async () => {
    const path = join(scratchDir(), 'shard-1-of-1.ndjson');
    writeFileSync(path, Array.from({ length: 100 }, (_, i) => recordLine(rec(i))).join(''));
    truncateSync(path, statSync(path).size + MAX_LINE_BYTES + (4 << 20));
    await expect(readAll(path)).rejects.toMatchObject({ code: 'E_SCHEMA', message: `${path}:101: a line of more than 16 MiB with no end, which no record is: the file is damaged (restore it, or scan again into a new directory)` });
    // A short tail of zeros is still a killed run's half-written last line: skipped.
    truncateSync(path, statSync(path).size - MAX_LINE_BYTES - (4 << 20) + 4096);
    expect(await readAll(path)).toBe(100);
  });

  it('a records file that is /dev/zero ends too', async () => {
    const path = join(scratchDir(), 'zero.ndjson');
    symlinkSync('/dev/zero', path);
    await expect(readAll(path)).rejects.toMatchObject({ code: 'E_SCHEMA', message: expect.stringMatching(/:1: a line of more than 16 MiB/) });
  });

  it('resume, validate and merge of such a directory: one line, no stack trace', async () => {
    const cwd = scratchDir();
    const killed = await runCli(['127.0.0.1', '-p', '1-200', '--states', 'all', '--rate', '400', '--max-time', '0.2', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(killed.code, killed.stderr).toBe(0);
    const file = join(cwd, 'd', 'shard-1-of-1.ndjson');
    appendFileSync(file, '{"host":"127.0.0.1","po');
    truncateSync(file, statSync(file).size + MAX_LINE_BYTES + 1);
    // validate says it per directory and exits 1 (validate-killed-damaged.test.ts); resume and merge refuse with 2.
    for (const [args, code] of [[['resume', 'd', '-q', '-o', '/dev/null'], 2], [['validate', 'd'], 1], [['merge', 'd', '--allow-partial', '-f', 'ndjson', '-o', '/dev/null'], 2]] as const) {
      const r = await runCli([...args], { cwd });
      expect(r.code, `${args[0]}: ${r.stdout}${r.stderr}`).toBe(code);
      const said = `${r.stdout}${r.stderr}`.trim();
      expect(said, args[0]).toMatch(/shard-1-of-1\.ndjson:\d+: a line of more than 16 MiB with no end/);
      expect(said, args[0]).not.toMatch(/Assertion|at .*\.(c|m)?js:\d+|node::/);
    }
    rmSync(file);
  }, 60_000);
});
