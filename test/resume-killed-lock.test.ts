/**
 * The lock a killed run leaves is the only word of when it began, which its
 * scan time (status's rate and ETA, and the manifest's elapsedMs once it is
 * resumed) is counted from. A refused resume removed it, though it said the
 * directory was as it was; and a resume killed before it probed replaced it
 * with its own, so the first run's time was lost: status read 0/s, and the
 * finished shard 22.5k/s for a scan capped at 20,000/s.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, scratchDir } from './helpers/cli.js';
import { checkpointIn } from './helpers/wait.js';

interface Entry { elapsedMs: number; rate: number; done: number }
const entryOf = async (cwd: string): Promise<Entry> => {
  const r = await runCli(['status', 'd', '--json'], { cwd });
  return (JSON.parse(r.stdout) as { scans: { entries: Entry[] }[] }).scans[0]!.entries[0]!;
};

/** A scan killed with SIGKILL once it has written a checkpoint a while after it began. */
async function killedScan(cwd: string): Promise<void> {
  const child = spawn(process.execPath, [CLI, '127.0.0.1', '-p', '1-6000', '--rate', '2000', '--states', 'all', '-q', '-o', '/dev/null', '--out-dir', 'd'], {
    cwd,
    env: { ...process.env, SHARDSCAN_STATE_DIR: join(cwd, '.state'), SHARDSCAN_CONFIG_DIR: join(cwd, '.config') },
    stdio: 'ignore',
  });
  const dir = join(cwd, 'd');
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      // A checkpoint at least ~1 s into the run: its time is what the tests below keep.
      if (checkpointIn(dir) && Date.now() - started > 1500) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      } else if (Date.now() - started > 15_000) {
        clearInterval(poll);
        child.kill('SIGKILL');
        reject(new Error('no checkpoint within 15 s'));
      }
    }, 50);
  });
  await new Promise((resolve) => child.on('close', resolve));
}

describe('a killed run\'s time', () => {
  it('a refused resume leaves its lock in place, byte for byte, and status its rate', async () => {
    const cwd = scratchDir();
    await killedScan(cwd);
    const lock = readFileSync(join(cwd, 'd', 'running.lock'), 'utf8');
    const before = await entryOf(cwd);
    expect(before.elapsedMs).toBeGreaterThan(500);
    expect(before.rate).toBeGreaterThan(0);
    const refused = await runCli(['resume', 'd', '-q', '-o', 'd/checkpoint.json'], { cwd });
    expect(refused.code).toBe(2);
    expect(readFileSync(join(cwd, 'd', 'running.lock'), 'utf8')).toBe(lock);
    expect(await entryOf(cwd)).toMatchObject({ elapsedMs: before.elapsedMs, rate: before.rate });
  }, 30_000);

  it('a resume killed before it probed: its lock carries the earlier time, to status and to the next resume', async () => {
    const cwd = scratchDir();
    await killedScan(cwd);
    const first = (await entryOf(cwd)).elapsedMs;
    // What a resume killed between taking the directory and its first probe leaves: its own lock, started after the
    // first run's last checkpoint, with the time it carried (it read 0/s, and the first run's time was gone).
    const lock = { pid: 2 ** 22 + 1, host: hostname(), since: new Date().toISOString(), carriedMs: first };
    writeFileSync(join(cwd, 'd', 'running.lock'), `${JSON.stringify(lock)}\n`);
    const shown = await entryOf(cwd);
    expect(shown.elapsedMs).toBe(first);
    expect(shown.rate).toBeGreaterThan(0);
    const resumed = await runCli(['resume', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8')) as { status: string; elapsedMs: number };
    expect(manifest.status).toBe('complete');
    // The first run's time and the resume's own (the rest at --rate 2000: more than a second).
    expect(manifest.elapsedMs).toBeGreaterThan(first + 1000);
  }, 40_000);
});
