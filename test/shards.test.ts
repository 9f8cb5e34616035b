/**
 * Scaling past one machine: shards that merge into exactly one unsharded run,
 * merge/validate refusals, resume after SIGKILL and Ctrl+C, a crashed worker,
 * and the rate caps.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, openPorts } from './fixtures/net.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

let open: Fixture;
let ports: string;
const SEED = '4242';

beforeAll(async () => {
  open = await openPorts(4);
  ports = `1-3000,${open.ports.join(',')}`;
});
afterAll(async () => open?.close());

/** host:port:state of every record, sorted: what must match between runs. */
const keys = (text: string): string[] => ndjson(text).map((x) => `${x.host}:${x.port}:${x.state}`).sort();

async function unsharded(extra: string[] = []): Promise<string[]> {
  const r = await runCli(['127.0.0.1,127.0.0.2', '-p', ports, '--seed', SEED, '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', ...extra]);
  expect(r.code).toBe(0);
  return keys(r.stdout);
}

describe('machine shards', () => {
  it('y shard processes, merged, equal one unsharded run exactly', async () => {
    const base = scratchDir();
    const dirs = [1, 2, 3].map((x) => join(base, `s${x}`));
    const runs = await Promise.all(
      dirs.map((dir, i) => runCli(['127.0.0.1,127.0.0.2', '-p', ports, '--seed', SEED, '--shard', `${i + 1}/3`, '--states', 'all', '--out-dir', dir, '-q', '-f', 'ndjson'])),
    );
    for (const r of runs) expect(r.code).toBe(0);
    // Disjoint: no record in two shards.
    const perShard = runs.map((r) => keys(r.stdout));
    expect(new Set(perShard.flat()).size).toBe(perShard.flat().length);
    const merged = await runCli(['merge', ...dirs, '-f', 'ndjson']);
    expect(merged.code).toBe(0);
    expect(keys(merged.stdout)).toEqual(await unsharded());
    expect(keys(merged.stdout)).toHaveLength(2 * 3004);
    const text = await runCli(['merge', ...dirs]);
    expect(text.stdout).toContain('Scan report for 127.0.0.1');
    for (const p of open.ports) expect(text.stdout).toMatch(new RegExp(`^${p}/tcp\\s+open`, 'm'));
  });

  it('merge refuses other scans and names missing shards', async () => {
    const base = scratchDir();
    const a = join(base, 'a');
    const b = join(base, 'b');
    const c = join(base, 'c');
    await runCli(['127.0.0.1', '-p', '1-50', '--seed', '1', '--shard', '1/3', '--out-dir', a, '-q', '-f', 'ndjson']);
    await runCli(['127.0.0.1', '-p', '1-50', '--seed', '2', '--shard', '2/3', '--out-dir', b, '-q', '-f', 'ndjson']);
    await runCli(['127.0.0.1', '-p', '1-50', '--seed', '1', '--shard', '3/3', '--out-dir', c, '-q', '-f', 'ndjson']);
    const other = await runCli(['merge', a, b]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/is from a different scan .*\(seed 1 vs 2\)/);
    const missing = await runCli(['merge', a, c]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing shard 2\/3/);
    const twice = await runCli(['merge', a, a]);
    expect(twice.stderr).toMatch(/shard 1\/3 is given twice/);
    const partial = await runCli(['merge', a, c, '--allow-partial', '-f', 'ndjson']);
    expect(partial.code).toBe(0);
  });

  it('validate checks every file against the schemas and names the bad line', async () => {
    const dir = join(scratchDir(), 'v');
    await runCli(['127.0.0.1', '-p', `1-100,${open.ports.join(',')}`, '--states', 'all', '--out-dir', dir, '-q', '-f', 'ndjson']);
    const ok = await runCli(['validate', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok \(manifest, checkpoint, 104 records\)/);
    const file = join(dir, 'shard-1-of-1.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"state":"closed"', '"state":"shut"').replace('"state":"open"', '"state":"shut"');
    writeFileSync(file, lines.join('\n'));
    const bad = await runCli(['validate', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/shard-1-of-1\.ndjson:3: \/state must be one of "open", "closed", "filtered", "error"/);
    const notDir = await runCli(['validate', scratchDir()]);
    expect(notDir.code).toBe(1);
    expect(notDir.stdout).toMatch(/manifest\.json does not exist/);
  });
});

describe('resume', () => {
  // Slow the scan down with --rate so a kill lands mid-scan.
  const slow = (): string[] => ['127.0.0.1,127.0.0.2', '-p', ports, '--seed', SEED, '--states', 'all', '--rate', '4000', '-q', '-f', 'ndjson'];

  it.each([0.35, 0.65, 0.9])('after SIGKILL at %s of the way, ends with exactly the uninterrupted records', async (fraction) => {
    const dir = join(scratchDir(), 'r');
    const killAt = 200 + fraction * 1400 + Math.random() * 100;
    const killed = await runCli([...slow(), '--out-dir', dir], { onSpawn: (child) => setTimeout(() => child.kill('SIGKILL'), killAt) });
    expect(killed.signal).toBe('SIGKILL');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string };
    expect(manifest.status).toBe('interrupted');
    const resumed = await runCli(['resume', dir, '-f', 'ndjson', '-q']);
    expect(resumed.code).toBe(0);
    const expected = await unsharded();
    expect(keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toEqual(expected);
    expect(keys(resumed.stdout)).toEqual(expected);
    const done = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string; counts: Record<string, number>; resumed: number };
    expect(done).toMatchObject({ status: 'complete', resumed: 1 });
    expect(done.counts.open + done.counts.closed + done.counts.filtered + done.counts.error).toBe(expected.length);
  });

  it('after Ctrl+C, and with a half-written last line, and says when there is nothing left', async () => {
    const dir = join(scratchDir(), 'c');
    const stopped = await runCli([...slow(), '--out-dir', dir], { onSpawn: (child) => setTimeout(() => child.kill('SIGINT'), 700) });
    expect(stopped.code).toBe(130);
    appendFileSync(join(dir, 'shard-1-of-1.ndjson'), '{"host":"127.0.0.1","port":7,"sta');
    const resumed = await runCli(['resume', dir, '-f', 'ndjson', '-q']);
    expect(resumed.code).toBe(0);
    expect(keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toEqual(await unsharded());
    const again = await runCli(['resume', dir]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already complete/);
  });

  it('refuses a directory that is not a scan', async () => {
    const r = await runCli(['resume', scratchDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/manifest\.json does not exist: not a shardscan output directory/);
  });
});

describe('faults', () => {
  it('a worker that dies mid-chunk has its chunk re-run: nothing lost, nothing twice', async () => {
    const r = await runCli(['127.0.0.1,127.0.0.2', '-p', ports, '--seed', SEED, '-f', 'ndjson', '--states', 'all', '--no-out-dir'], { env: { SHARDSCAN_FAULT: 'crash:chunk=1:after=200' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/chunk-rerun [1-9]/);
    expect(keys(r.stdout)).toEqual(await unsharded());
  });
});

describe('rate caps', () => {
  /** Most records decided within any `windowMs` window. */
  function peak(times: number[], windowMs: number): number {
    const t = [...times].sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < t.length; i++) {
      while (t[i]! - t[j]! >= windowMs) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  it('--rate holds the whole scan, all workers together, within 5 %', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1-9000', '-f', 'ndjson', '--states', 'all', '--rate', '3000', '--workers', '2', '-q', '--no-out-dir']);
    const times = ndjson(r.stdout).map((x) => Date.parse(x.ts as string));
    expect(times).toHaveLength(9000);
    expect(peak(times, 1000)).toBeLessThanOrEqual(3000 * 1.05);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2900);
  });

  it('--host-rate keeps every host under its own cap', async () => {
    const r = await runCli(['127.0.0.1,127.0.0.2,127.0.0.3', '-p', '1-120', '-f', 'ndjson', '--states', 'all', '--host-rate', '80', '-q', '--no-out-dir']);
    const records = ndjson(r.stdout);
    expect(records).toHaveLength(360);
    for (const host of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
      const times = records.filter((x) => x.host === host).map((x) => Date.parse(x.ts as string));
      expect(peak(times, 1000)).toBeLessThanOrEqual(80 * 1.05);
    }
  });
});
