/**
 * validate checks what resume and merge check: an interrupted directory that
 * resume refuses as damaged is not "ok" (it was, while resume's refusal sent
 * the user to validate), nor is a complete one holding a record that is not
 * one of its positions. A directory without a checkpoint says so.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = scratchDir();
  const stopped = await runCli(['127.0.0.1', '-p', '1-4000', '--rate', '1500', '--max-time', '0.8', '--seed', '4', '--states', 'all', '--out-dir', 'stopped', '-q', '-o', '/dev/null'], { cwd });
  expect(stopped.code).toBe(0);
  const done = await runCli(['127.0.0.1', '-p', '1-300', '--seed', '4', '--states', 'all', '--out-dir', 'done', '-q', '-o', '/dev/null'], { cwd });
  expect(done.code).toBe(0);
});

function copy(name: string): string {
  const dir = join(cwd, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(cwd, name), dir, { recursive: true });
  return dir;
}

const edit = (path: string, f: (text: string) => string): void => writeFileSync(path, f(readFileSync(path, 'utf8')));

describe('shardscan validate', () => {
  it('an intact interrupted and an intact complete directory are ok', async () => {
    for (const name of ['stopped', 'done']) {
      const r = await runCli(['validate', name], { cwd });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${name}: ok \\(manifest, checkpoint, \\d+ records\\)\\n$`));
    }
  });

  it.each([
    ['its checkpoint counts 5 more closed ports than its chunks cover', (d: string) => edit(join(d, 'checkpoint.json'), (t) => t.replace(/"closed":(\d+)/, (_, n: string) => `"closed":${Number(n) + 5}`)), /counts \d+ decided positions, but its chunks cover \d+/],
    ['a record the checkpoint counts is missing', (d: string) => edit(join(d, 'shard-1-of-1.ndjson'), (t) => t.split('\n').slice(1).join('\n')), /checkpoint/],
  ])('interrupted, %s: a problem, in resume\'s words; resume refuses it too', async (_, hurt, message) => {
    const dir = copy('stopped');
    hurt(dir);
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(message);
    expect(v.stdout).not.toMatch(/validate says more/);
    const r = await runCli(['resume', dir, '-q', '-o', '/dev/null']);
    expect(r.code).toBe(2);
  });

  it('complete, with a record that is not one of its positions: a problem', async () => {
    const dir = copy('done');
    edit(join(dir, 'shard-1-of-1.ndjson'), (t) => t.replace(/"host":"127\.0\.0\.1"/, '"host":"127.0.9.9"'));
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/record 127\.0\.9\.9:\d+ is not part of this shard's scan/);
  });

  it('without a checkpoint it does not claim one', async () => {
    const dir = copy('done');
    rmSync(join(dir, 'checkpoint.json'));
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/: ok \(manifest, no checkpoint, 300 records\)\n$/);
  });
});
