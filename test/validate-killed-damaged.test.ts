/**
 * validate of a directory a killed run left (its running.lock stays) whose
 * checkpoint is damaged or whose records file is gone: one line for it, the
 * directories after it checked too, exit 1. Reading whether a run still
 * writes it threw on that damage: one bare error line, exit 2, and the other
 * directories never checked.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';


describe('validate after a killed run with damage', () => {
  it.each([
    ['a checkpoint that fails its schema', (d: string) => writeFileSync(join(d, 'checkpoint.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(d, 'checkpoint.json'), 'utf8')), completedBelow: -1 }))],
    ['no records file', (d: string) => rmSync(join(d, 'shard-1-of-1.ndjson'))],
  ])('%s: a line for it, the next directory checked, exit 1', async (_what, damage) => {
    const cwd = scratchDir();
    const args = ['127.0.0.1', '-p', '1-20', '--states', 'all', '-q', '-o', '/dev/null'];
    expect((await runCli([...args, '--out-dir', 'a'], { cwd })).code).toBe(0);
    // Interrupted (stopped after its first probe), then left as a SIGKILL leaves it: the lock of a dead process.
    expect((await runCli([...args, '--rate', '20', '--max-time', '0.01', '--out-dir', 'b'], { cwd })).code).toBe(0);
    const lock = { pid: 2 ** 22 + 1, host: hostname(), since: new Date(Date.now() - 60_000).toISOString() };
    writeFileSync(join(cwd, 'b', 'running.lock'), `${JSON.stringify(lock)}\n`);
    damage(join(cwd, 'b'));
    cpSync(join(cwd, 'a'), join(cwd, 'c'), { recursive: true });
    const r = await runCli(['validate', 'a', 'b', 'c'], { cwd });
    const lines = r.stdout.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(3);
    expect(lines[0]).toMatch(/^a: ok /);
    expect(lines[1]).toMatch(/^b: /);
    expect(lines[1]).not.toMatch(/^b: ok/);
    expect(lines[2]).toMatch(/^c: ok /);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});
