/**
 * deploy/entrypoint.sh maps a Kubernetes Indexed Job's JOB_COMPLETION_INDEX
 * onto --shard; run here as three "pods" on loopback, merged, they must equal
 * one unsharded run. examples/analyze.mjs must read what they wrote.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, openPorts } from './fixtures/net.js';
import { CLI, ndjson, runCli, scratchDir } from './helpers/cli.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const ENTRY = join(ROOT, 'deploy', 'entrypoint.sh');

let open: Fixture;
beforeAll(async () => {
  open = await openPorts(3);
});
afterAll(async () => open?.close());

describe('Kubernetes Indexed Job entrypoint', () => {
  it('pods 0..2 of 3 each scan one shard; merged they equal one unsharded run', async () => {
    const out = scratchDir();
    const ports = `1-500,${open.ports.join(',')}`;
    const env = { ...process.env, SHARDS: '3', SEED: '31337', SCAN: 'job', OUT_ROOT: out, SHARDSCAN: `${process.execPath} ${CLI}`, SHARDSCAN_CONFIG_DIR: join(out, '.cfg') };
    await Promise.all([0, 1, 2].map((i) => run(ENTRY, ['127.0.0.1', '-p', ports, '--states', 'all', '-f', 'ndjson', '-o', '/dev/null'], { env: { ...env, JOB_COMPLETION_INDEX: String(i) } })));
    const dirs = [1, 2, 3].map((x) => join(out, `job-shard-${x}-of-3`));
    for (const [i, dir] of dirs.entries()) {
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { shard: { index: number; total: number }; status: string };
      expect(m).toMatchObject({ shard: { index: i + 1, total: 3 }, status: 'complete' });
    }
    const merged = await runCli(['merge', ...dirs, '-f', 'ndjson']);
    const whole = await runCli(['127.0.0.1', '-p', ports, '--seed', '31337', '--states', 'all', '-f', 'ndjson', '-q', '--no-out-dir']);
    const key = (t: string) => ndjson(t).map((x) => `${x.host}:${x.port}:${x.state}`).sort();
    expect(key(merged.stdout)).toEqual(key(whole.stdout));
    expect(key(merged.stdout)).toHaveLength(503);

    // A pod that restarts resumes its directory instead of starting over.
    const again = await run(ENTRY, ['127.0.0.1', '-p', ports], { env: { ...env, JOB_COMPLETION_INDEX: '0' } });
    expect(again.stderr).toMatch(/already complete/);

    const analysis = await run(process.execPath, [join(ROOT, 'examples', 'analyze.mjs'), ...dirs]);
    expect(analysis.stdout).toMatch(/^503 records from 3 shard directories/);
    expect(analysis.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1\\t.*${Math.min(...open.ports)}`));
    expect(analysis.stdout).toMatch(/most common services:\n\s+\d+\s+\S+/);
  });

  it('refuses to run without a shared seed', async () => {
    await expect(run(ENTRY, ['127.0.0.1'], { env: { ...process.env, SHARDS: '2', JOB_COMPLETION_INDEX: '0' } })).rejects.toMatchObject({
      stderr: expect.stringMatching(/SEED: every shard must walk the same permutation/),
    });
  });

  it('the manifest runs one indexed pod per shard', () => {
    const yaml = readFileSync(join(ROOT, 'deploy', 'k8s', 'indexed-job.yaml'), 'utf8');
    expect(yaml).toMatch(/completionMode: Indexed/);
    const completions = /completions: (\d+)/.exec(yaml)![1];
    expect(yaml).toMatch(new RegExp(`name: SHARDS, value: "${completions}"`));
    expect(yaml).toMatch(/args: \["127\.0\.0\.0\/16"/); // the example scans loopback only
  });
});
