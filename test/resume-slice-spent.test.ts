/**
 * A resume counts --max-time from when it starts reading its directory back;
 * a slice that reading spends whole probes nothing, and every later slice of
 * that length would do the same (an audit: a /8 with 1.5M records, 10 s
 * slices, none probed, with no word). It is said, -q or not, and the
 * manifest does not count it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { recordsIn, signalWhen } from './helpers/wait.js';

describe('a resume slice spent on reading the directory back', () => {
  it('is said, with what would do', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-6000', '--states', 'all', '--seed', '4', '--rate', '8000', '--max-time', '0.4', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const manifest = (): { resumed: number; elapsedMs: number; endedAt: string; recordCount: number } => JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'));
    const before = manifest();
    const status = (await runCli(['status', 'd'], { cwd })).stdout;
    for (const quiet of [[], ['-q']]) {
      const slice = await runCli(['resume', 'd', '--max-time', '1ms', '-o', '/dev/null', ...quiet], { cwd });
      expect(slice.code, slice.stderr).toBe(0);
      expect(slice.stderr).toMatch(/^shardscan: note: reading d back took the whole --max-time 0\.001 s before the first probe \(this run: [\d.]+ s\), so nothing was probed, and a slice of that length never will be; give a longer --max-time, or --no-max-time$/m);
    }
    // Helper 25: not counted, so status's rate and ETA stay as they were (each such slice made them worse).
    expect(manifest()).toMatchObject({ resumed: before.resumed, elapsedMs: before.elapsedMs, endedAt: before.endedAt });
    expect((await runCli(['status', 'd'], { cwd })).stdout).toBe(status);
    // A slice that probes something says nothing of the kind.
    const enough = await runCli(['resume', 'd', '--max-time', '1.5', '-o', '/dev/null'], { cwd }); // 0.3 s was spent reading back under the suite's load (0.5 s)
    expect(enough.code, enough.stderr).toBe(0);
    expect(enough.stderr).not.toMatch(/nothing was probed/);
    expect(manifest().resumed).toBe(before.resumed + 1);
    expect(manifest().elapsedMs).toBeGreaterThan(before.elapsedMs);
  }, 30_000);

  it('keeps the stop reason of the run before (helper 28: a Ctrl+C\'d scan read "interrupted (time-limit)" after one)', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-6000', '--states', 'all', '--seed', '4', '--rate', '4000', '-q', '-o', '/dev/null', '--out-dir', 'd'], {
      cwd,
      onSpawn: (child) => void signalWhen(child, () => recordsIn(join(cwd, 'd')) >= 2000, 'SIGINT'),
    });
    expect(first.code, first.stderr).toBe(130);
    const slice = await runCli(['resume', 'd', '--max-time', '1ms', '-q', '-o', '/dev/null'], { cwd });
    expect(slice.stderr).toMatch(/so nothing was probed/);
    expect(JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted', stopReason: 'signal', resumed: 0 });
  }, 30_000);
});
