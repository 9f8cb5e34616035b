/**
 * deploy/entrypoint.sh maps a Kubernetes Indexed Job's JOB_COMPLETION_INDEX
 * onto --shard; run here as three "pods" on loopback, merged, they must equal
 * one unsharded run. examples/analyze.mjs must read what they wrote.
 * deploy/k8s/*.yaml are parsed and checked against the entrypoint and each
 * other (deploy/build-image.sh runs the real image; it is not part of npm test).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
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
    const again = await run(ENTRY, ['127.0.0.1', '-p', ports, '--states', 'all', '-f', 'ndjson', '-o', '/dev/null'], { env: { ...env, JOB_COMPLETION_INDEX: '0' } });
    expect(again.stderr).toMatch(/already complete/);

    const analysis = await run(process.execPath, [join(ROOT, 'examples', 'analyze.mjs'), ...dirs]);
    expect(analysis.stdout).toMatch(/^503 records from 3 shard directories/);
    expect(analysis.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1\\t.*${Math.min(...open.ports)}`));
    expect(analysis.stdout).toMatch(/most common services:\n\s+\d+\s+\S+/);
    // The directory that holds them, and one shard given twice: the same 503 from the same 3 directories
    // (it died with a stack trace, then counted a copy twice, then said "from 4 shard directories").
    const fromRoot = await run(process.execPath, [join(ROOT, 'examples', 'analyze.mjs'), out, `${dirs[0]!}/`]);
    expect(fromRoot.stdout).toMatch(/^503 records from 3 shard directories/);
    expect(analysis.stderr + fromRoot.stderr).toBe('');
    // Another scan's directory among them is counted too, and said (it was added up without a word).
    const other = join(out, 'other');
    expect((await runCli(['127.0.0.1', '-p', '1-5', '--seed', '5', '-q', '--out-dir', other, '-o', '/dev/null'])).code).toBe(0);
    const mixed = await run(process.execPath, [join(ROOT, 'examples', 'analyze.mjs'), out]);
    expect(mixed.stdout).toMatch(/^503 records from 4 shard directories/);
    expect(mixed.stderr).toMatch(/^analyze: note: these are shards of 2 different scans \(scan keys [0-9a-f]{16}, [0-9a-f]{16}\), counted together/);
  });

  it('a restart with other arguments or another SEED is refused: it resumed the old scan and reported success with its results', async () => {
    const out = scratchDir();
    const env = { ...process.env, SHARDS: '2', SEED: '7', SCAN: 't', OUT_ROOT: out, SHARDSCAN: `${process.execPath} ${CLI}`, SHARDSCAN_CONFIG_DIR: join(out, '.cfg'), JOB_COMPLETION_INDEX: '0' };
    const args = ['127.0.0.1', '-p', '1-50', '-f', 'ndjson', '-o', '/dev/null'];
    await run(ENTRY, args, { env });
    const manifest = join(out, 't-shard-1-of-2', 'manifest.json');
    const before = readFileSync(manifest, 'utf8');
    // An argument with a new line in it is not the two arguments around it (the checksum read one value a line).
    const split = ['127.0.0.1', '-p', '1-50', '-f', 'ndjson', '-o', '/dev/null'].map((x) => (x === '-f' ? '-f\nndjson' : x)).filter((x) => x !== 'ndjson');
    for (const [what, a, e] of [['ports', ['127.0.0.1', '-p', '1-60', '-f', 'ndjson', '-o', '/dev/null'], env], ['SEED', args, { ...env, SEED: '8' }], ['a new line', split, env]] as const) {
      await expect(run(ENTRY, [...a], { env: e }), what).rejects.toMatchObject({
        code: 2,
        stderr: `entrypoint: ${out}/t-shard-1-of-2 holds another scan (its arguments, SEED or SHARDS differ from these); give this one another SCAN name, or remove ${out}/t-shard-1-of-2 and ${out}/t-shard-1-of-2.args\n`,
      });
    }
    expect(readFileSync(manifest, 'utf8')).toBe(before);
    // The same ones resume it, with METRICS on the resume too (a retried pod lost its --metrics).
    const again = await run(ENTRY, args, { env: { ...env, METRICS: '127.0.0.1:0' } });
    expect(again.stderr).toMatch(/already complete/);
    const fresh = await run(ENTRY, args, { env: { ...env, JOB_COMPLETION_INDEX: '1', METRICS: '127.0.0.1:0' } });
    expect(fresh.stderr).toMatch(/^shardscan: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
  });

  it('refuses to run without a shared seed', async () => {
    await expect(run(ENTRY, ['127.0.0.1'], { env: { ...process.env, SHARDS: '2', JOB_COMPLETION_INDEX: '0' } })).rejects.toMatchObject({
      stderr: expect.stringMatching(/SEED: every shard must walk the same permutation/),
    });
  });});

/** The parts of a batch/v1 Job these tests read. */
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}
interface Job {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    backoffLimitPerIndex?: number;
    maxFailedIndexes?: number;
    podFailurePolicy?: { rules: { action: string; onExitCodes?: { containerName?: string; operator: string; values: number[] } }[] };
    template: {
      spec: {
        restartPolicy: string;
        securityContext?: { runAsUser?: number; fsGroup?: number };
        containers: Container[];
        volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
      };
    };
  };
}

function loadJob(file: string): { job: Job; pod: Job['spec']['template']['spec']; c: Container; env: Record<string, string> } {
  const job = parseYaml(readFileSync(join(ROOT, 'deploy', 'k8s', file), 'utf8')) as Job;
  expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
  const pod = job.spec.template.spec;
  expect(pod.containers).toHaveLength(1);
  const c = pod.containers[0]!;
  return { job, pod, c, env: Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])) };
}

/** A stand-in for shardscan that prints its arguments, one a line. */
function stub(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, '#!/bin/sh\nprintf \'%s\\n\' "$@"\n', { mode: 0o755 });
  return file;
}

describe('Kubernetes manifests', () => {
  const scan = loadJob('indexed-job.yaml');
  const merge = loadJob('merge-job.yaml');
  const shards = scan.job.spec.completions!;

  it('the scan Job cuts the scan into many more indexed shards than pods, each retried alone', () => {
    const { job, pod, c, env } = scan;
    expect(job.spec.completionMode).toBe('Indexed');
    expect(Number(env.SHARDS)).toBe(shards);
    expect(shards).toBe(64);
    expect(job.spec.parallelism).toBeGreaterThan(0);
    expect(job.spec.parallelism! * 8).toBeLessThanOrEqual(shards);
    // Per-index retries need restartPolicy Never; a retried pod resumes its directory.
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    expect(job.spec.maxFailedIndexes).toBeGreaterThanOrEqual(0);
    expect(job.spec.maxFailedIndexes).toBeLessThan(shards);
    // Bad input (exit 2) is not worth a retry.
    expect(job.spec.podFailurePolicy?.rules).toContainEqual({ action: 'FailIndex', onExitCodes: { containerName: c.name, operator: 'In', values: [2] } });
    expect(env.SEED).toMatch(/^\d+$/);
    expect(c.args?.[0]).toMatch(/^127\.\d+\.\d+\.\d+(\/\d+)?$/); // the example scans loopback only
  });

  it('every pod writes to the shared claim, as the image user, on a read-only root', () => {
    for (const { pod, c, env } of [scan, merge]) {
      const mount = c.volumeMounts?.find((m) => m.mountPath === env.OUT_ROOT);
      expect(mount).toBeDefined();
      expect(pod.volumes.find((v) => v.name === mount!.name)?.persistentVolumeClaim?.claimName).toBe('shardscan-results');
      expect(pod.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(c.image).toBe(scan.c.image);
    }
  });

  it(`the entrypoint maps JOB_COMPLETION_INDEX 0..${shards - 1} to --shard 1..${shards} of ${shards}, and the merge Job finds them all`, async () => {
    const out = scratchDir();
    const env = { ...process.env, ...scan.env, OUT_ROOT: out, SHARDSCAN: stub(out, 'scan-stub') };
    const dirs: string[] = [];
    for (let i = 0; i < shards; i++) {
      const { stdout } = await run(ENTRY, scan.c.args!, { env: { ...env, JOB_COMPLETION_INDEX: String(i) } });
      const dir = join(out, `${scan.env.SCAN}-shard-${i + 1}-of-${shards}`);
      expect(stdout.split('\n').slice(0, -1)).toEqual([...scan.c.args!, '--shard', `${i + 1}/${shards}`, '--seed', scan.env.SEED, '--out-dir', dir, '-q']);
      dirs.push(dir);
    }
    // The merge Job's command, run by sh as in the pod, with those directories present.
    for (const d of dirs) mkdirSync(d);
    mkdirSync(join(out, 'bin'));
    stub(join(out, 'bin'), 'shardscan');
    expect({ SCAN: merge.env.SCAN, SHARDS: merge.env.SHARDS }).toEqual({ SCAN: scan.env.SCAN, SHARDS: scan.env.SHARDS });
    const [cmd, ...cmdArgs] = merge.c.command!;
    const { stdout } = await run(cmd!, cmdArgs, { env: { ...process.env, ...merge.env, OUT_ROOT: out, PATH: `${join(out, 'bin')}:${process.env.PATH}` } });
    const first = stdout.split('\n').slice(0, stdout.split('\n').indexOf('-f'));
    expect(first[0]).toBe('merge');
    expect(first.slice(1).sort()).toEqual([...dirs].sort());
  });
});
