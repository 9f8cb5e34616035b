/**
 * A small scan runs on the main thread and starts no worker thread, so its
 * descriptor limit is judged by that thread alone. Under `ulimit -n 100` a
 * 10-port scan was refused: "a scan with 2 workers needs at least 114", for
 * 8 descriptors a worker it never started. A scan too large for the main
 * thread, or one given --workers, is still judged for its worker threads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import { resolveAndPrepare } from '../src/prepare.js';
import { SMALL_SCAN, SORTED_REPORT_FDS, maxConcurrency } from '../src/config/limits.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from './helpers/cli.js';

const opts = (fdLimit: number) => ({ tuning: null, cores: 2, fdLimit });
const small = { targets: ['127.0.0.1'], ports: '1-10' };
const large = { targets: ['127.0.0.1'], ports: `1-${SMALL_SCAN + 1}` };

describe('resolveAndPrepare judges descriptors by the threads the scan runs on', () => {
  it('a small scan without --workers: the main thread alone (64 kept, 32 for the text report, one connect)', async () => {
    const { prep } = await resolveAndPrepare(small, false, opts(100));
    expect(prep.plan.positions).toBe(10);
    // Its window is what the main thread leaves: (100 - 64 - 32) × 0.8, not the 2 a refused two-worker scan would get.
    expect(prep.config.concurrency).toBe(maxConcurrency(100, 0, SORTED_REPORT_FDS));
    expect(prep.config.concurrency).toBe(3);
    expect((await resolveAndPrepare({ ...small, format: 'ndjson' }, false, opts(100))).prep.config.concurrency).toBe(28);
    expect((await resolveAndPrepare(small, false, opts(97))).prep.config.concurrency).toBe(1);
    await expect(resolveAndPrepare(small, false, opts(96))).rejects.toMatchObject({
      code: 'E_FD_LIMIT',
      message: 'out of file descriptors: ulimit -n 96 leaves none for connects (a scan on the main thread needs at least 97); raise the limit (e.g. ulimit -n 4096) and run again',
    });
  });

  it('a small scan with --workers, or a large one: judged for its worker threads, as before', async () => {
    const twoWorkers = /ulimit -n 100 leaves none for connects \(a scan with 2 workers needs at least 114\)/;
    await expect(resolveAndPrepare({ ...small, workers: 2 }, true, opts(100))).rejects.toMatchObject({ code: 'E_FD_LIMIT', message: expect.stringMatching(twoWorkers) });
    await expect(resolveAndPrepare(large, false, opts(100))).rejects.toMatchObject({ code: 'E_FD_LIMIT', message: expect.stringMatching(twoWorkers) });
    // Large, under a limit that fits: the window worker threads leave (narrower than the main thread's), the seed drawn once.
    const { prep, result } = await resolveAndPrepare(large, false, opts(256));
    expect(prep.config.concurrency).toBe(maxConcurrency(256, 2, SORTED_REPORT_FDS));
    expect(prep.config.concurrency).toBeLessThan(maxConcurrency(256, 0, SORTED_REPORT_FDS));
    expect(result.randomSeed).toBe(true);
    expect(prep.perm?.seed).toBe(prep.config.seed);
    expect(result.config.seed).toBe(prep.config.seed);
  });
});

describe('scan() under a descriptor limit of 100', () => {
  const saved = process.env.SHARDSCAN_FD_LIMIT;
  afterEach(() => {
    if (saved === undefined) delete process.env.SHARDSCAN_FD_LIMIT;
    else process.env.SHARDSCAN_FD_LIMIT = saved;
  });

  it('runs a 10-port scan on the calling thread; refuses one of more than SMALL_SCAN ports with E_FD_LIMIT', async () => {
    process.env.SHARDSCAN_FD_LIMIT = '100';
    const run = scan({ ...small, ignoreTuning: true, states: ['open', 'closed'] });
    const records = [];
    for await (const r of run) records.push(r);
    const summary = await run.summary;
    expect(summary).toMatchObject({ status: 'complete', done: 10, probes: 10, workerThreads: 0, concurrency: 3 });
    expect(records).toHaveLength(10);
    const refused = scan({ ...large, ignoreTuning: true, workers: 2 });
    await expect(refused.summary).rejects.toMatchObject({ code: 'E_FD_LIMIT' });
  });
});

describe('the CLI under ulimit -n 100', () => {
  it('scans 10 ports (refused before: "a scan with 2 workers needs at least 114")', async () => {
    // The default text report, whose sorted runs keep 32 descriptors back (an ndjson one was never refused here).
    const r = await runCli(['127.0.0.1', '-p', '1-10', '--no-out-dir', '-q'], { prefix: 'ulimit -n 100; exec' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shardscan done: 1 host × 10 ports, 10 of 10 probes in /m);
  });

  it('with --workers 2, or under ulimit -n 90, refuses in one line naming what the scan needs', async () => {
    const workers = await runCli(['127.0.0.1', '-p', '1-10', '--workers', '2', '--no-out-dir', '-q'], { prefix: 'ulimit -n 100; exec' });
    expect(workers.stderr).toBe('shardscan: error: out of file descriptors: ulimit -n 100 leaves none for connects (a scan with 2 workers needs at least 114); raise the limit (e.g. ulimit -n 4096) and run again\n');
    expect(workers.code).toBe(1);
    const tight = await runCli(['127.0.0.1', '-p', '1-10', '--no-out-dir', '-q'], { prefix: 'ulimit -n 90; exec' });
    expect(tight.stderr).toBe('shardscan: error: out of file descriptors: ulimit -n 90 leaves none for connects (a scan on the main thread needs at least 97); raise the limit (e.g. ulimit -n 4096) and run again\n');
    expect(tight.code).toBe(1);
    expect(tight.stdout).toBe('');
  });
});

describe('a shard directory under ulimit -n 100', () => {
  // Refused before, each "a scan with 2 workers needs at least 114": the resume judged the first run's worker
  // count, and validate and merge, which scan nothing, judged it too.
  it('resumes a 10-port scan on the main thread, and validate and merge read it', async () => {
    const cwd = scratchDir();
    // Stopped after its first probe by --max-time (exit 0, as a time budget is): interrupted, resumable.
    const first = await runCli(['127.0.0.1', '-p', '1-10', '--states', 'all', '--rate', '20', '--max-time', '0.01', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
    const low = { cwd, prefix: 'ulimit -n 100; exec' };
    const checked = await runCli(['validate', 'd'], low);
    expect(checked.stdout).toMatch(/^d: ok \(manifest, checkpoint, \d+ records?\)$/m);
    expect(checked.code).toBe(0);
    const resumed = await runCli(['resume', 'd', '-q', '-o', '/dev/null', '--no-max-time', '--summary-json', 's.json'], low);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(cwd, 's.json'), 'utf8')) as Record<string, unknown>;
    // The main thread's window under 100 with a text report, as a new scan gets (the two workers' would be 2).
    expect(summary).toMatchObject({ status: 'complete', done: 10, workerThreads: 0, concurrency: 3 });
    const merged = await runCli(['merge', 'd', '-f', 'ndjson', '-o', 'all.ndjson'], low);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    expect(readFileSync(join(cwd, 'all.ndjson'), 'utf8').trim().split('\n')).toHaveLength(10);
  });

  it('a resume given --workers 2 is still judged for its worker threads', async () => {
    const cwd = scratchDir();
    expect((await runCli(['127.0.0.1', '-p', '1-10', '--rate', '20', '--max-time', '0.01', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
    const r = await runCli(['resume', 'd', '-q', '--workers', '2', '--no-max-time'], { cwd, prefix: 'ulimit -n 100; exec' });
    expect(r.stderr).toMatch(/^shardscan: error: out of file descriptors: ulimit -n 100 leaves none for connects \(a scan with 2 workers needs at least \d+\)/);
    expect(r.code).toBe(1);
  });
});
