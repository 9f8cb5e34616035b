/**
 * `merge --allow-partial` checks an unfinished shard as resume does: its
 * checkpoint is this scan's and fits the chunk plan, and the records it
 * covers are each once and as many as it counts. Unchecked, a repeated line
 * went into the report twice, and a cut records file or another scan's
 * checkpoint gave a summary that contradicted the records, exit 0.
 */
import { appendFileSync, cpSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProbeRecord } from '../src/model/record.js';
import { closedPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

let cwd: string;
const RECORDS = 'shard-1-of-1.ndjson';

/** An interrupted scan of 127.0.0.0/24 × 8 closed ports, stopped by --max-time, in `dir`; `seed` picks its walk. */
async function stopped(dir: string, ports: number[], seed: number): Promise<void> {
  const r = await runCli(['127.0.0.0/24', '-p', ports.join(','), '--states', 'all', '--seed', String(seed), '--rate', '1000', '--max-time', '1', '--out-dir', dir, '-f', 'ndjson', '-o', '/dev/null', '-q'], { cwd });
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  cwd = scratchDir();
  const ports = await closedPorts(8);
  await stopped('d', ports, 42);
  await stopped('other', ports, 43);
}, 30_000);

/** A copy of the stopped shard directory, damaged by `damage(dir)`. */
function copy(name: string, damage: (dir: string) => void = () => {}): string {
  const dir = join(cwd, name);
  cpSync(join(cwd, 'd'), dir, { recursive: true });
  damage(dir);
  return name;
}

/** The merge into DIR.ndjson (a refused merge puts no file in place); its records, or null when there is no file. */
async function merged(dir: string): Promise<{ code: number | null; stderr: string; records: ProbeRecord[] | null }> {
  const out = join(cwd, `${dir}.ndjson`);
  const r = await runCli(['merge', dir, '--allow-partial', '-f', 'ndjson', '-o', out], { cwd });
  const text = existsSync(out) ? readFileSync(out, 'utf8') : null;
  return { code: r.code, stderr: r.stderr, records: text === null ? null : text.trim().split('\n').map((l) => JSON.parse(l) as ProbeRecord) };
}

describe('merge --allow-partial of a stopped shard', () => {
  it('as it was: each record of a checkpointed position once, as many as the checkpoint counts', async () => {
    const r = await merged(copy('ok'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cp = JSON.parse(readFileSync(join(cwd, 'ok', 'checkpoint.json'), 'utf8')) as { counts: Record<string, number> };
    const counted = Object.values(cp.counts).reduce((a, b) => a + b, 0);
    expect(counted).toBeGreaterThan(0);
    expect(r.records).toHaveLength(counted);
    expect(new Set(r.records!.map((x) => `${x.host}:${x.port}`)).size).toBe(counted);
  });

  it.each([
    ['a line repeated', (d: string) => appendFileSync(join(d, RECORDS), readFileSync(join(d, RECORDS), 'utf8').split('\n')[0] + '\n'), /:\d+: record 127\.0\.0\.\d+:\d+ is there twice; the directory was damaged or edited \(shardscan validate says more\)$/],
    ['the records file cut in half', (d: string) => truncateSync(join(d, RECORDS), Math.floor(statSync(join(d, RECORDS)).size / 2)), /: the checkpoint counts \d+ \w+ ports, but the records file holds \d+ of them; the directory was damaged or edited/],
    ["another scan's checkpoint", (d: string) => cpSync(join(cwd, 'other', 'checkpoint.json'), join(d, 'checkpoint.json')), /checkpoint\.json belongs to another scan: the directory was damaged or edited/],
    ['a checkpoint past the chunk plan', (d: string) => {
      const cp = JSON.parse(readFileSync(join(d, 'checkpoint.json'), 'utf8')) as { completedBelow: number };
      writeFileSync(join(d, 'checkpoint.json'), JSON.stringify({ ...cp, completedBelow: 10_000 }));
    }, /checkpoint\.json says 10000 chunks are done, of \d+; the directory was damaged or edited/],
  ])('%s is refused in one line, exit 2, and -o FILE is not written (merged, exit 0)', async (name, damage, message) => {
    const r = await merged(copy(name.replace(/\W+/g, '-'), damage));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^shardscan: error: /);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.records).toBeNull();
  });
});
