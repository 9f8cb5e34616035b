/**
 * running.lock is never seen half-written. It was created and then written
 * (open O_CREAT, then write), so a reader that came between the two read an
 * empty file: the project's CI of bdaa039 failed in resume-lock.test.ts on
 * `JSON.parse('')`, and `status` or another `resume` reading it then took
 * the directory for one no process writes. The lock is now put in place
 * whole (written beside it, then renamed or linked into place). Here a
 * watcher reads the lock at every change of the directory, as soon as it
 * is told, while a scan starts and while a resume takes its claim.
 */
import { existsSync, mkdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

/** Every read of dir/running.lock made as soon as the directory changed, until stop() (missing reads are left out). */
function watchLock(dir: string): { reads: string[]; stop: () => void } {
  const reads: string[] = [];
  const path = join(dir, 'running.lock');
  const watcher = watch(dir, () => {
    try {
      reads.push(readFileSync(path, 'utf8'));
    } catch {
      // not there (yet, or any more)
    }
  });
  return { reads, stop: () => watcher.close() };
}

function expectWhole(reads: string[]): void {
  expect(reads.length).toBeGreaterThan(0);
  for (const text of reads) expect(() => JSON.parse(text) as unknown, `a read of the lock: ${JSON.stringify(text)}`).not.toThrow();
}

describe('running.lock', () => {
  it('is whole at every read while scans start and resumes take it', async () => {
    const cwd = scratchDir();
    const reads: string[] = [];
    for (let i = 0; i < 8; i++) {
      const dir = join(cwd, `d${i}`);
      mkdirSync(dir);
      const w = watchLock(dir);
      // --max-time stops it with work left, for the resume below.
      const first = await runCli(['127.0.0.1', '-p', '1-3000', '--rate', '2000', '--max-time', '0.3', '-q', '-o', '/dev/null', '--out-dir', dir], { cwd });
      expect(first.code, first.stderr).toBe(0);
      const resumed = await runCli(['resume', dir, '-q', '-o', '/dev/null'], { cwd });
      expect(resumed.code, resumed.stderr).toBe(0);
      w.stop();
      expect(existsSync(join(dir, 'running.lock'))).toBe(false);
      reads.push(...w.reads);
    }
    expectWhole(reads);
  }, 60_000);
});
