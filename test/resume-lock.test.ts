/**
 * Two runs never write one shard directory: resume refuses a directory a
 * live process still writes (found by an exploratory test: the second run
 * put a new records file in place, the first kept appending to the old,
 * unlinked one, and the finished directory held 45,081 of 204,800 records
 * under a manifest that said complete). The lock a killed run leaves behind
 * names a dead process and does not block; a finished run removes it.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

const waitFor = async (ok: () => boolean, ms = 10_000): Promise<void> => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

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

    const resumed = await runCli(['resume', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(readdirSync(join(cwd, 'd')).sort()).toEqual(['checkpoint.json', 'manifest.json', 'shard-1-of-1.ndjson']);
    const records = ndjson(readFileSync(join(cwd, 'd', 'shard-1-of-1.ndjson'), 'utf8'));
    expect(new Set(records.map((r) => r.port)).size).toBe(6000);
    expect(records).toHaveLength(6000);
  });
});
