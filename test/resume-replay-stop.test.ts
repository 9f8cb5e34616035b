/**
 * A Ctrl+C while a resume replays the records its directory already holds
 * into the report cuts that report: the run is interrupted (exit 130), and
 * the directory stays interrupted, so a later resume rewrites the report
 * whole. A directory whose checkpoint covers every position under a manifest
 * that says interrupted (a stop in the last banner reads by an earlier
 * version, a kill between the last checkpoint and the manifest) was called
 * complete, exit 0, with 9,300 of 65,535 records in the report, and the next
 * resume said "already complete". Loopback only.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDir } from '../src/store/validate.js';
import { CLI, runCli, scratchDir } from './helpers/cli.js';

describe('Ctrl+C during a resume\'s replay', () => {
  it('leaves the run and the directory interrupted', async () => {
    const cwd = scratchDir();
    // Every port of 127.0.0.66, where no test listens: every port of 127.0.0.1 reaches other files' listeners,
    // whose tests count the connections they accept.
    const first = await runCli(['127.0.0.66', '-p-', '--states', 'all', '-q', '--out-dir', 'd', '-o', '/dev/null'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    // Every position decided, as the checkpoint says; the manifest as a run stopped at the very end left it.
    const manifestPath = join(cwd, 'd', 'manifest.json');
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...m, status: 'interrupted', stopReason: 'signal' }, null, 2));
    // The report goes to a pipe nobody reads for a while: the replay waits on it, and the Ctrl+C comes then,
    // once the replay's first records are in the pipe (a fixed 1.5 s came, once under CI's load, while the
    // resume still checked the directory, before any replay: a stop there writes no summary).
    const child = spawn(process.execPath, [CLI, 'resume', 'd', '-f', 'ndjson', '-o', '-', '-q', '--summary-json', 's.json'], { cwd, env: { ...process.env, SHARDSCAN_CONFIG_DIR: join(cwd, '.config') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    child.stdout!.once('readable', () => {
      setTimeout(() => {
        child.kill('SIGINT');
        child.stdout!.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
        child.stdout!.resume();
      }, 300);
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(lines).toBeGreaterThan(0); // the replay had begun
    expect(lines).toBeLessThan(65535);
    expect(code).toBe(130);
    expect(JSON.parse(readFileSync(join(cwd, 's.json'), 'utf8'))).toMatchObject({ status: 'interrupted', stopReason: 'signal' });
    expect(JSON.parse(readFileSync(manifestPath, 'utf8'))).toMatchObject({ status: 'interrupted' });
    // The next resume rewrites the report whole.
    const again = await runCli(['resume', 'd', '-f', 'ndjson', '-o', 'r.ndjson', '-q'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'r.ndjson'), 'utf8').trim().split('\n')).toHaveLength(65535);
  }, 60_000);
});

describe('Ctrl+C while resume checks a complete directory', () => {
  it('ends the check at once (it read every record first: 1.1 s late on 524,280 of them)', async () => {
    const cwd = scratchDir();
    expect((await runCli(['127.0.0.1', '-p', '1-5000', '--states', 'all', '-q', '--out-dir', 'd', '-o', '/dev/null'], { cwd })).code).toBe(0);
    const stop = new AbortController();
    stop.abort();
    await expect(validateDir(join(cwd, 'd'), stop.signal)).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    // Not stopped, the same check finds nothing wrong.
    expect((await validateDir(join(cwd, 'd'))).problems).toEqual([]);
  });
});
