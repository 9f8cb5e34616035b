/**
 * A shard directory copied while its scan ran (cp -r, scp: the records file
 * copied before the checkpoint, so the checkpoint counts more than the file
 * holds) is refused with the likely cause and what to do; it said only "the
 * directory was damaged or edited". Following the advice (remove its
 * checkpoint.json) resumes it to the exact result.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { checkpointIn, waitFor } from './helpers/wait.js';

const RECORDS = 'shard-1-of-1.ndjson';
const lines = (file: string): number => readFileSync(file, 'utf8').split('\n').length - 1;
const decided = (dir: string): number => {
  const counts = (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { counts: Record<string, number> }).counts;
  return Object.values(counts).reduce((a, b) => a + b, 0);
};
const snapshot = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));

describe('a directory copied while its scan ran', () => {
  it('is refused naming the likely cause and the way on, and resumes exactly once its checkpoint is removed', async () => {
    const cwd = scratchDir();
    const live = join(cwd, 'live');
    const copy = join(cwd, 'copy');
    const run = runCli(['127.0.0.1', '-p', '1-12000', '--rate', '3000', '--states', 'all', '--seed', '7', '--out-dir', 'live', '-q', '-o', '/dev/null'], { cwd, killAfterMs: 40_000 });
    await waitFor(() => checkpointIn(live) && decided(live) > 0, 15_000);
    // The records first, then, once the scan has gone on, its checkpoint: the copy's checkpoint counts records its file lacks.
    mkdirSync(copy);
    copyFileSync(join(live, 'manifest.json'), join(copy, 'manifest.json'));
    copyFileSync(join(live, RECORDS), join(copy, RECORDS));
    const copied = lines(join(copy, RECORDS));
    await waitFor(() => decided(live) > copied + 100, 15_000);
    copyFileSync(join(live, 'checkpoint.json'), join(copy, 'checkpoint.json'));
    expect((await run).code).toBe(0);

    const before = snapshot(copy);
    const r = await runCli(['resume', copy, '-q', '-o', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: [^\n]*the checkpoint counts \d+ closed ports, but the records file holds \d+ of them: its checkpoint is ahead of its records, as in a copy taken while the scan ran \(the records file copied before the checkpoint\), or the file lost lines; it cannot be resumed as it is: copy the directory again once that run has stopped, or remove its checkpoint\.json and resume it from the start \(nothing kept, every position probed again\)\n$/);
    expect(snapshot(copy)).toEqual(before); // refused as it is
    const v = await runCli(['validate', copy]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/its checkpoint is ahead of its records, as in a copy taken while the scan ran/);

    rmSync(join(copy, 'checkpoint.json'));
    const again = await runCli(['resume', copy, '-q', '-f', 'ndjson', '-o', join(cwd, 'all.ndjson')], { killAfterMs: 40_000 });
    expect(again.code, again.stderr).toBe(0);
    const all = ndjson(readFileSync(join(copy, RECORDS), 'utf8'));
    expect(all).toHaveLength(12_000);
    expect(new Set(all.map((x) => x.port)).size).toBe(12_000);
  }, 90_000);
});
