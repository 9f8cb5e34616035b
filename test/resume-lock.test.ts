/**
 * Two runs never write one shard directory: resume refuses a directory a
 * live process still writes (found by an exploratory test: the second run
 * put a new records file in place, the first kept appending to the old,
 * unlinked one, and the finished directory held 45,081 of 204,800 records
 * under a manifest that said complete). The lock a killed run leaves behind
 * names a dead process and does not block; a finished run removes it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { planResume } from '../src/store/resume.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { waitFor } from './helpers/wait.js';

describe('resume and a directory still being written', () => {
  it('is refused while its writer lives, taken once it was killed, and ends exact', async () => {
    const cwd = scratchDir();
    const args = ['127.0.0.1', '-p', '1-6000', '--seed', '3', '--states', 'all', '-f', 'ndjson', '-q', '-o', '/dev/null'];
    let child: import('node:child_process').ChildProcess | null = null;
    const first = runCli([...args, '--rate', '1500', '--out-dir', 'd'], { cwd, onSpawn: (c) => (child = c) });
    await waitFor(() => existsSync(join(cwd, 'd', 'running.lock')));
    const lock = JSON.parse(readFileSync(join(cwd, 'd', 'running.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(child!.pid);

    const refused = await runCli(['resume', 'd', '-q'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`shardscan: error: d is still being written by process ${lock.pid}; resume it once that run has stopped\n`);

    // A checkpoint first: the rate below is measured up to it.
    const checkpointed = (): boolean => {
      try {
        return (JSON.parse(readFileSync(join(cwd, 'd', 'checkpoint.json'), 'utf8')) as { counts: { closed: number } }).counts.closed > 0;
      } catch {
        return false; // not written yet, or caught mid-rename
      }
    };
    await waitFor(checkpointed);
    child!.kill('SIGKILL');
    const killed = await first;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(cwd, 'd', 'running.lock'))).toBe(true);
    // status reads the same lock: a dead writer is not running (it said so for 10 s after the kill).
    const status = JSON.parse((await runCli(['status', 'd', '--json'], { cwd })).stdout) as { scans: { entries: { state: string }[] }[] };
    expect(status.scans[0]!.entries[0]!.state).toBe('interrupted');

    // From another machine (a shared volume) the process cannot be asked: a checkpoint under 10 s old means its run is on.
    const lockPath = join(cwd, 'd', 'running.lock');
    const ours = readFileSync(lockPath, 'utf8');
    writeFileSync(lockPath, JSON.stringify({ ...lock, host: 'another-machine' }));
    const elsewhere = await runCli(['resume', 'd', '-q'], { cwd });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toBe('shardscan: error: d is still being written by a run on another-machine; resume it once that run has stopped\n');
    writeFileSync(lockPath, ours);

    // The rate comes from the run's lock and checkpoint, not the manifest's mtime: a copy (cp -r) or a touch
    // changed it (1479/s became 0/s, or 1/s after a touch an hour back).
    const rate = async (): Promise<{ rate: number; elapsedMs: number }> => {
      const r = JSON.parse((await runCli(['status', 'd', '--json'], { cwd })).stdout) as { scans: { entries: { rate: number; elapsedMs: number }[] }[] };
      return r.scans[0]!.entries[0]!;
    };
    const before = await rate();
    expect(before.rate).toBeGreaterThan(0);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(cwd, 'd', 'manifest.json'), hourAgo, hourAgo);
    expect(await rate()).toEqual(before);

    // A live process with the dead writer's number (after a reboot or a crash) started after the lock: not its writer.
    const other = spawn('sleep', ['30']);
    try {
      // A minute before it: status allows 2 s for a start time read from /proc (btime has whole seconds), and the
      // real lock was taken only ~2 s before this process started, which failed on a fast machine.
      writeFileSync(lockPath, JSON.stringify({ ...lock, pid: other.pid, since: new Date(Date.now() - 60_000).toISOString() }));
      const reused = JSON.parse((await runCli(['status', 'd', '--json'], { cwd })).stdout) as { scans: { entries: { state: string }[] }[] };
      expect(reused.scans[0]!.entries[0]!.state).toBe('interrupted');
      // The same process named in a lock taken after it started is the writer: running.
      writeFileSync(lockPath, JSON.stringify({ ...lock, pid: other.pid, since: new Date(Date.now() + 60_000).toISOString() }));
      const live = await runCli(['resume', 'd', '-q'], { cwd });
      expect(live.stderr).toBe(`shardscan: error: d is still being written by process ${other.pid}; resume it once that run has stopped\n`);
      writeFileSync(lockPath, JSON.stringify({ ...lock, pid: other.pid }));
    } finally {
      other.kill();
    }
    // A writer killed but not yet reaped by its parent (a zombie) answers signal 0, and was taken for a live one.
    // sh starts a child that exits at once, then becomes sleep, which never reaps it.
    const holder = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 20'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = await new Promise<number>((done) => holder.stdout.once('data', (d: Buffer) => done(Number(String(d).trim()))));
      await waitFor(() => /^[ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')));
      writeFileSync(lockPath, JSON.stringify({ ...lock, pid, since: new Date(Date.now() + 60_000).toISOString() }));
      const z = JSON.parse((await runCli(['status', 'd', '--json'], { cwd })).stdout) as { scans: { entries: { state: string }[] }[] };
      expect(z.scans[0]!.entries[0]!.state).toBe('interrupted');
      writeFileSync(lockPath, ours);
    } finally {
      holder.kill('SIGKILL');
    }

    const resumed = await runCli(['resume', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(readdirSync(join(cwd, 'd')).sort()).toEqual(['checkpoint.json', 'manifest.json', 'shard-1-of-1.ndjson']);
    const records = ndjson(readFileSync(join(cwd, 'd', 'shard-1-of-1.ndjson'), 'utf8'));
    expect(new Set(records.map((r) => r.port)).size).toBe(6000);
    expect(records).toHaveLength(6000);
  });
});

describe('status and a shard directory it cannot read', () => {
  it('lists it with why and exits 1 (it showed as a missing shard, exit 0)', async () => {
    const cwd = scratchDir();
    chmodSync(cwd, 0o755);
    for (const x of [1, 2]) {
      const r = await runCli(['127.0.0.1', '-p', '1-20', '--seed', '4', '--shard', `${x}/2`, '--out-dir', `all/s${x}`, '-q', '-o', '/dev/null'], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    for (const d of ['all', 'all/s1', 'all/s2']) chmodSync(join(cwd, d), 0o755);
    for (const f of readdirSync(join(cwd, 'all/s1'))) chmodSync(join(cwd, 'all/s1', f), 0o644);
    chmodSync(join(cwd, 'all/s2'), 0o700);
    // Another user reads the volume (root reads everything).
    const r = await runCli(['status', join(cwd, 'all')], { cwd, prefix: 'setpriv --reuid 65534 --regid 65534 --clear-groups' });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/s2.*EACCES|EACCES.*s2/);
  });

  it('a shard whose records file is gone is listed as a problem, exit 1 (it showed as complete)', async () => {
    const cwd = scratchDir();
    for (const x of [1, 2]) {
      const r = await runCli(['127.0.0.1', '-p', '1-20', '--seed', '4', '--shard', `${x}/2`, '--out-dir', `all/s${x}`, '-q', '-o', '/dev/null'], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    rmSync(join(cwd, 'all/s2/shard-2-of-2.ndjson'));
    const r = await runCli(['status', 'all'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1\/2 shards complete/);
    expect(r.stdout).toContain(`all/s2: cannot read: records file all/s2/shard-2-of-2.ndjson is missing: restore it, or scan again into a new directory\n`);
    const json = await runCli(['status', 'all', '--json'], { cwd });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { problems: { dir: string }[] }).problems.map((p) => p.dir)).toEqual(['all/s2']);
  });
});


describe('a resume claims the directory before it reads it', () => {
  /** An interrupted directory of 127.0.0.1 × 1-3000, every state recorded. */
  const interrupted = async (): Promise<string> => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1-3000', '--seed', '5', '--states', 'all', '-q', '-o', '/dev/null', '--out-dir', 'd', '--rate', '3000', '--max-time', '0.5'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    return join(cwd, 'd');
  };

  it('a second resume while the first still replays is refused, and status says running (both ran: the lock came after the replay)', async () => {
    const dir = await interrupted();
    const plan = await planResume(dir, {});
    expect(plan).not.toBeNull();
    try {
      const lock = JSON.parse(readFileSync(join(dir, 'running.lock'), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(process.pid);
      const second = await runCli(['resume', dir, '-q', '-o', '/dev/null']);
      expect(second.code).toBe(2);
      expect(second.stderr).toBe(`shardscan: error: ${dir} is still being written by process ${process.pid}; resume it once that run has stopped\n`);
      const status = JSON.parse((await runCli(['status', dir, '--json'])).stdout) as { scans: { entries: { state: string }[] }[] };
      expect(status.scans[0]!.entries[0]!.state).toBe('running');
    } finally {
      plan!.release();
    }
    expect(existsSync(join(dir, 'running.lock'))).toBe(false);
    // --no-max-time: the first run's 0.5 s would stop this one too on a loaded machine.
    const resumed = await runCli(['resume', dir, '-q', '-o', '/dev/null', '--no-max-time']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(ndjson(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toHaveLength(3000);
  });

  it('a plan whose lock another run took in the meantime writes nothing', async () => {
    const dir = await interrupted();
    const before = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8');
    const plan = await planResume(dir, {});
    writeFileSync(join(dir, 'running.lock'), JSON.stringify({ pid: process.pid + 1, host: hostname(), since: new Date().toISOString() }));
    expect(() => plan!.reopen()).toThrow(`${dir} was taken by another run while this resume read it; nothing was written here`);
    expect(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8')).toBe(before);
    // Not its lock: release leaves it alone.
    plan!.release();
    expect(existsSync(join(dir, 'running.lock'))).toBe(true);
  });

  it('a stop while the records are read ends the plan, gives the lock back and leaves the directory as it was', async () => {
    const dir = await interrupted();
    const before = readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8');
    const stop = new AbortController();
    stop.abort();
    await expect(planResume(dir, {}, undefined, stop.signal)).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    expect(existsSync(join(dir, 'running.lock'))).toBe(false);
    expect(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8')).toBe(before);
  });

  it('a lock left by a dead process is taken over', async () => {
    const dir = await interrupted();
    writeFileSync(join(dir, 'running.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), since: new Date().toISOString() }));
    const resumed = await runCli(['resume', dir, '-q', '-o', '/dev/null']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(existsSync(join(dir, 'running.lock'))).toBe(false);
  });
});
