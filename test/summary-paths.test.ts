/**
 * The summary prints the shard directory, and the command that continues it,
 * as one shell word with control characters escaped: an --out-dir holding an
 * escape sequence reached the terminal raw, and one with a space or a quote
 * made a "continue with: shardscan resume …" line that did not paste; one
 * starting with a dash was read as options (resume printed its help, exit 0).
 * Each word printed is read back by bash, which must give the directory.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

/** What bash makes of a shell word. */
const bashReads = (word: string): string => execFileSync('bash', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' });

describe('the shard directory in the summary', () => {
  // Stopped by --max-time long before its 65,536 × 20 probes are done.
  const unfinished = ['127.0.0.0/16', '-p', '1-20', '--rate', '2000', '--max-time', '0.3', '-f', 'ndjson', '-o', '/dev/null'];

  it.each([
    ["it's \u001b[31mred", true],
    ['two words', false],
    ['new\nline', true],
    ['-dash', false],
  ])('%j: one word that bash reads back as the directory, no raw control character, in the summary and in -q\'s line', async (name, control) => {
    const cwd = scratchDir();
    const r = await runCli([...unfinished, `--out-dir=${name}`], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const word = /\(continue with: shardscan resume (.*)\)\n/.exec(r.stderr)![1]!;
    if (control) expect(word.startsWith("$'")).toBe(true);
    expect(bashReads(word)).toBe(name.startsWith('-') ? `./${name}` : name);
    const q = await runCli([...unfinished, `--out-dir=${name}2`, '-q'], { cwd });
    expect(q.code, q.stderr).toBe(0);
    const qWord = /; continue with: shardscan resume (.*)\n$/.exec(q.stderr)![1]!;
    expect(bashReads(qWord)).toBe(`${name.startsWith('-') ? './' : ''}${name}2`);
  });

  it('the refusal of a directory that already holds a scan names it the same way', async () => {
    const cwd = scratchDir();
    // Interrupted (stopped by --max-time after its first probe): resume goes on with it.
    expect((await runCli(['127.0.0.1', '-p', '1-10', '--rate', '20', '--max-time', '0.01', '-q', '--out-dir=-dash', '-o', '/dev/null'], { cwd })).code).toBe(0);
    const again = await runCli(['127.0.0.1', '-p', '1', '-q', '--out-dir=-dash', '-o', '/dev/null'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('shardscan: error: --out-dir -dash already holds a scan; continue it with: shardscan resume ./-dash, or pick another --out-dir\n');
  });

  // It said "continue it with: shardscan resume", which would only say the scan is complete.
  it('a directory that holds a complete scan is named so, with nothing to resume', async () => {
    const cwd = scratchDir();
    expect((await runCli(['127.0.0.1', '-p', '1', '-q', '--out-dir=-dash', '-o', '/dev/null'], { cwd })).code).toBe(0);
    const again = await runCli(['127.0.0.1', '-p', '1', '-q', '--out-dir=-dash', '-o', '/dev/null'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('shardscan: error: --out-dir -dash already holds a complete scan (merge, validate and status read it); pick another --out-dir\n');
  });

  it('leaves a plain path as it is', async () => {
    const cwd = scratchDir();
    const r = await runCli([...unfinished, '--out-dir', join(cwd, 'plain-1.d'), '-q'], { cwd });
    expect(r.stderr.endsWith(`; continue with: shardscan resume ${join(cwd, 'plain-1.d')}\n`), r.stderr).toBe(true);
  });
});
