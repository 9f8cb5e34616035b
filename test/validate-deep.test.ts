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
import { checkpointIn, waitFor } from './helpers/wait.js';

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
    ['a record the checkpoint counts is missing', (d: string) => edit(join(d, 'shard-1-of-1.ndjson'), (t) => t.split('\n').slice(1).join('\n')), /the checkpoint counts \d+ \w+ ports?, but the records file holds \d+ of them/],
    // A second copy of a decided position, in another state: resume kept the first, and both said ok.
    [
      'a record the checkpoint covers is there twice, in two states',
      (d: string) => edit(join(d, 'shard-1-of-1.ndjson'), (t) => {
        const [first, ...rest] = t.split('\n');
        const other = first!.includes('"state":"closed"') ? first!.replace('"state":"closed"', '"state":"filtered"') : first!.replace(/"state":"\w+"/, '"state":"closed"');
        return [first, other, ...rest].join('\n');
      }),
      /shard-1-of-1\.ndjson:2: record 127\.0\.0\.1:\d+ is there twice; the directory was damaged or edited$/m,
    ],
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

  it.each([
    ['bytes added after its last line', (t: string) => `${t}{"host":"127.0.0.1","po`, null],
    ['its last line cut short', (t: string) => t.slice(0, -20), /\d+ records, but the manifest says \d+/],
  ])('complete, with %s: a problem, and merge refuses it (bytes after the last newline passed as a killed run\'s half line)', async (_what, change, also) => {
    const dir = copy('done');
    edit(join(dir, 'shard-1-of-1.ndjson'), change);
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain("shard-1-of-1.ndjson: ends in the middle of a line after its last record; a complete shard's file ends with a whole line, so it was cut or added to since");
    if (also !== null) expect(v.stdout).toMatch(also);
    // merge refuses it too (it merged the added bytes' shard with exit 0).
    const m = await runCli(['merge', dir, '-f', 'csv', '-o', join(dir, 'all.csv')]);
    expect(m.stderr).toMatch(/^shardscan: error: .*shard-1-of-1\.ndjson (ends in the middle of a line after its last record, which a complete shard never does|holds \d+ records, but the manifest of this complete shard says \d+): the directory is damaged/);
    expect(m.code).toBe(2);
    // Intact, it ends with a newline: ok.
    expect((await runCli(['validate', 'done'], { cwd })).code).toBe(0);
  });

  it.each(['0:0:0:0:0:0:0:1', '0::1', '::0001'])('complete, with ::1 written %s in one record: a problem, and merge refuses it (it listed a second host)', async (spelling) => {
    const dir = join(scratchDir(), 'six');
    const scan = await runCli(['::1', '-p', '1-20', '--states', 'all', '--out-dir', dir, '-q', '-o', '/dev/null']);
    expect(scan.code, scan.stderr).toBe(0);
    edit(join(dir, 'shard-1-of-1.ndjson'), (t) => t.replace('"host":"::1"', `"host":"${spelling}"`));
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`record [${spelling}]:`); // bracketed, as every IPv6 host:port is said (endpoint())
    const m = await runCli(['merge', dir, '-f', 'ndjson']);
    expect(m.code).not.toBe(0);
    expect(m.stdout).toBe('');
  });

  const json = (path: string, f: (v: Record<string, unknown>) => void): void => edit(path, (t) => {
    const v = JSON.parse(t) as Record<string, unknown>;
    f(v);
    return JSON.stringify(v);
  });

  it.each([
    // One flipped digit: a record with another's port. The count still matched; merge wrote one port twice and lost one.
    ['a record given twice and another lost', (d: string) => edit(join(d, 'shard-1-of-1.ndjson'), (t) => {
      const lines = t.split('\n');
      const port = (JSON.parse(lines[0]!) as { port: number }).port;
      lines[1] = lines[1]!.replace(/"port":\d+/, `"port":${port}`);
      return lines.join('\n');
    }), /shard-1-of-1\.ndjson:2: record 127\.0\.0\.1:\d+ is there twice/],
    ['counts that add up past its positions', (d: string) => json(join(d, 'manifest.json'), (m) => ((m.counts as { closed: number }).closed += 2)), /manifest\.json counts 302 decided ports, more than the shard's 300/],
    ['counts moved between states', (d: string) => json(join(d, 'manifest.json'), (m) => {
      const c = m.counts as { closed: number; filtered: number };
      c.closed -= 1;
      c.filtered += 1;
    }), /the manifest counts \d+ closed ports, but the records file holds \d+ of them/],
    ['a seed that is not its config\'s', (d: string) => json(join(d, 'manifest.json'), (m) => (m.seed = 6)), /manifest\.json says seed 6 but its config says 4/],
    ['positions that are not its scan\'s', (d: string) => json(join(d, 'manifest.json'), (m) => (m.probes = 301)), /manifest\.json says 1 hosts × 300 ports, 301 positions in this shard, but its config gives 1 × 300, 300 positions/],
  ])('complete, %s: a problem, and merge refuses it', async (_, hurt, message) => {
    const dir = copy('done');
    hurt(dir);
    const v = await runCli(['validate', dir]);
    expect(v.code, v.stdout).toBe(1);
    expect(v.stdout).toMatch(message);
    const m = await runCli(['merge', dir, '-f', 'ndjson']);
    expect(m.code).toBe(2);
    expect(m.stdout).toBe('');
    expect(m.stderr).toMatch(message);
  });

  it('interrupted, with "probes": 0 (status showed 6011/0, 100 %): a problem; resume refuses it', async () => {
    const dir = copy('stopped');
    json(join(dir, 'manifest.json'), (m) => (m.probes = 0));
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/manifest\.json says 1 hosts × 4000 ports, 0 positions in this shard, but its config gives 1 × 4000, 4000 positions/);
    const r = await runCli(['resume', dir, '-q', '-o', '/dev/null']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0 positions in this shard/);
  });

  it('a directory of shard directories is its shards, as for status and merge; a problem names the directory once', async () => {
    const parent = join(cwd, `parent-${Math.random().toString(36).slice(2)}`);
    cpSync(join(cwd, 'done'), join(parent, 'a'), { recursive: true });
    cpSync(join(cwd, 'done'), join(parent, 'b'), { recursive: true });
    json(join(parent, 'b', 'manifest.json'), (m) => (m.seed = 6));
    const v = await runCli(['validate', parent]);
    expect(v.code).toBe(1);
    const lines = v.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${join(parent, 'a')}: ok \\(manifest, checkpoint, 300 records\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^${join(parent, 'b')}: manifest\\.json says seed 6`));
  });

  it('says when a run still writes the directory, and names a resume\'s leftover; one record is "1 record"', async () => {
    const cwd2 = scratchDir();
    let mid: { code: number | null; stdout: string } | null = null;
    const run = runCli(['127.0.0.1', '-p', '1-3000', '--rate', '800', '--out-dir', 'live', '-q', '-o', '/dev/null'], {
      cwd: cwd2,
      // Validated once the run has written its first checkpoint (the scan takes ~3.75 s at 800/s), not after a fixed
      // time that a loaded machine's start-up can outrun.
      onSpawn: () => {
        // A wait that never ends leaves mid null, which the assertion below rejects.
        void waitFor(() => checkpointIn(join(cwd2, 'live')), 15_000)
          .then(() => runCli(['validate', 'live'], { cwd: cwd2 }))
          .then((r) => (mid = r), () => undefined);
      },
    });
    expect((await run).code).toBe(0);
    for (let i = 0; i < 100 && mid === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect(mid).toMatchObject({ code: 0 });
    expect(mid!.stdout).toMatch(/^live: ok \(manifest, checkpoint, \d+ records?\); still being written by process \d+: checked as it stood, without resume's checks\n$/);
    const dir = copy('stopped');
    writeFileSync(join(dir, 'shard-1-of-1.ndjson.tmp'), '');
    const left = await runCli(['validate', dir]);
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(/: ok \(manifest, checkpoint, \d+ records\); shard-1-of-1\.ndjson\.tmp is left from a resume that was cut off; the next resume replaces it\n$/);
    const one = await runCli(['127.0.0.1', '-p', '1', '--states', 'all', '--out-dir', 'one', '-q', '-o', '/dev/null'], { cwd: cwd2 });
    expect(one.code).toBe(0);
    expect((await runCli(['validate', 'one'], { cwd: cwd2 })).stdout).toBe('one: ok (manifest, checkpoint, 1 record)\n');
  });

  it('without a checkpoint it does not claim one', async () => {
    const dir = copy('done');
    rmSync(join(dir, 'checkpoint.json'));
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/: ok \(manifest, no checkpoint, 300 records\)\n$/);
  });

  it('a stopped run whose checkpoint is gone: a note (resume takes it), and status shows what a resume keeps, none (it showed the manifest\'s counts, and validate said a bare ok)', async () => {
    const dir = copy('stopped');
    rmSync(join(dir, 'checkpoint.json'));
    const v = await runCli(['validate', dir]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/: ok \(manifest, no checkpoint, \d+ records\); checkpoint\.json is missing, though the run stopped with \d+ positions decided: a resume keeps none of them and probes them all again$/m);
    const st = await runCli(['status', dir, '--json']);
    expect(st.code).toBe(0);
    expect((JSON.parse(st.stdout) as { scans: { entries: { done: number }[] }[] }).scans[0]!.entries[0]!.done).toBe(0);
  });
});
