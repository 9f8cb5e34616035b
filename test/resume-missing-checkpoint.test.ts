/**
 * A stopped directory whose checkpoint.json is gone: resume takes it and
 * probes every position again (the result stays exact), so validate says so
 * in a note and exits 0, as it does for what resume accepts (it exited 1,
 * "a problem"), and resume's line does not speak of records "past the last
 * checkpoint" when there is none.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

describe('a stopped directory without its checkpoint', () => {
  it('validate notes it (exit 0), and resume says nothing is kept and probes all again', async () => {
    const cwd = scratchDir();
    const stopped = await runCli(['127.0.0.1', '-p', '1-4000', '--rate', '1500', '--max-time', '0.8', '--seed', '4', '--states', 'all', '--out-dir', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(stopped.code).toBe(0);
    const lines = (): string[] => readFileSync(join(cwd, 'd', 'shard-1-of-1.ndjson'), 'utf8').split('\n').filter((l) => l !== '');
    const before = lines().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(4000);
    rmSync(join(cwd, 'd', 'checkpoint.json'));

    const v = await runCli(['validate', 'd'], { cwd });
    expect(v.code).toBe(0);
    expect(v.stdout).toBe(`d: ok (manifest, no checkpoint, ${before} records); checkpoint.json is missing, though the run stopped with ${before} positions decided: a resume keeps none of them and probes them all again\n`);

    const r = await runCli(['resume', 'd', '--no-max-time', '-o', '/dev/null'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`shardscan: resuming d: no checkpoint.json, so none of 4000 positions is kept as decided; the ${before} records in the file will be probed again\n`);
    expect(r.stderr).not.toMatch(/past the last checkpoint/);
    const after = lines();
    expect(after).toHaveLength(4000);
    expect(new Set(after.map((l) => (JSON.parse(l) as { port: number }).port)).size).toBe(4000);
    expect((await runCli(['validate', 'd'], { cwd })).stdout).toMatch(/^d: ok \(manifest, checkpoint, 4000 records\)\n$/);
  });
});
