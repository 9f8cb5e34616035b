/** A worker that dies mid-chunk: its chunk is re-run, nothing lost, nothing twice; one that always dies fails the scan, resumably. */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { HOSTS, SEED, keys, twoHostScan } from './helpers/two-hosts.js';

const scan = twoHostScan();

describe('faults', () => {
  it('a worker that dies mid-chunk has its chunk re-run: nothing lost, nothing twice', async () => {
    const r = await runCli([HOSTS, '-p', scan.ports(), '--seed', SEED, '-f', 'ndjson', '--states', 'all', '--no-out-dir'], { env: { SHARDSCAN_FAULT: 'crash:chunk=1:after=200' } });
    expect(r.code).toBe(0);
    // One thread died, once: one worker-crash, however many chunks it held (each re-run).
    expect(r.stderr).toMatch(/local events: [^\n]*\bworker-crash 1\b/);
    expect(r.stderr).toMatch(/local events: [^\n]*\bchunk-rerun [1-9]/);
    expect(keys(r.stdout)).toEqual(await scan.unsharded());
  });
});

describe('a chunk that keeps failing', () => {
  it('fails the scan (exit 1) with a last checkpoint and its --summary-json: the resume keeps what was found and probes only that chunk again', async () => {
    const dir = scratchDir();
    const args = ['127.0.0.1', '-p', '1-20000', '--seed', '1', '-f', 'ndjson', '--states', 'all', '--chunk-size', '1024', '--out-dir', 'd', '-o', 'r.ndjson', '--summary-json', 's.json'];
    // A file from an earlier run at that path: the failed run's summary replaces it (it was left, and read as this run's).
    writeFileSync(join(dir, 's.json'), '{"status":"interrupted","stopReason":"time-limit","done":1}\n');
    const failed = await runCli(args, { cwd: dir, env: { SHARDSCAN_FAULT: 'crash-always:chunk=3:after=100' }, killAfterMs: 60_000 });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/chunk 3 failed 4 times/);
    expect(failed.stderr).toMatch(/local events: [^\n]*\bworker-crash 4\b/); // four thread deaths
    const found = ndjson(readFileSync(join(dir, 'r.ndjson'), 'utf8')).length;
    expect(found).toBeGreaterThan(2000);
    // The summary counts every record the report holds: the failed chunk's last run is counted too (it was 4 short).
    expect(failed.stderr).toContain(`: ${found}/20000 probes`);
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect([summary.status, summary.stopReason, summary.done]).toEqual(['interrupted', 'error', found]);
    const resumed = await runCli(['resume', 'd', '-f', 'ndjson', '-o', 'all.ndjson'], { cwd: dir, killAfterMs: 60_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    // Only the failed chunk's records (at most one chunk) are probed again; without a last checkpoint it was every
    // record since the one before (25,792 of 45,568 in an audit's run).
    const m = /past the last checkpoint: (\d+)|(\d+) records? past the last checkpoint will be probed again/.exec(resumed.stderr);
    expect(m, resumed.stderr).not.toBeNull();
    expect(Number(m![1] ?? m![2])).toBeLessThanOrEqual(1024);
    const all = ndjson(readFileSync(join(dir, 'all.ndjson'), 'utf8'));
    expect(all).toHaveLength(20_000);
    expect(new Set(all.map((x) => x.port)).size).toBe(20_000);
  }, 120_000);
});
