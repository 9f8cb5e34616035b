/**
 * schemas/summary.schema.json describes every summary shardscan writes: a
 * scan's --summary-json (complete, or stopped by --max-time), a resume's (one
 * that probes, and one of a complete directory), a merge's, the summary in a
 * -f json report, and the library's. Scripts had nothing to check them
 * against, and their keys vary by case (resumedDone, timing, noRoute).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';
import { validator } from '../src/schemas.js';
import { runCli, scratchDir } from './helpers/cli.js';

const check = validator('summary');

function valid(doc: unknown, what: string): Record<string, unknown> {
  const ok = check(doc);
  expect(ok, `${what}: ${JSON.stringify(check.errors)}`).toBe(true);
  return doc as Record<string, unknown>;
}

const read = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('the summary schema', () => {
  it('holds for a scan, a stopped scan, both kinds of resume, a merge and a json report', async () => {
    const cwd = scratchDir();
    const full = await runCli(['127.0.0.1', '-p', '1-50', '--states', 'all', '-f', 'json', '-o', 'r.json', '--summary-json', 's1.json', '--out-dir', 'd1', '-q'], { cwd });
    expect(full.code, full.stderr).toBe(0);
    const s1 = valid(read(join(cwd, 's1.json')), 'scan');
    expect(s1).toMatchObject({ status: 'complete', stopReason: null, outDir: 'd1', done: 50 });
    expect(s1.resources).toBeDefined();
    valid((read(join(cwd, 'r.json')) as { summary: unknown }).summary, 'json report');

    const stopped = await runCli(['127.0.0.0/16', '-p', '1-20', '--rate', '2000', '--max-time', '0.3', '-f', 'ndjson', '-o', '/dev/null', '--summary-json', 's2.json', '--out-dir', 'd2', '-q'], { cwd });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(valid(read(join(cwd, 's2.json')), 'stopped scan')).toMatchObject({ status: 'interrupted', stopReason: 'time-limit' });

    const resumed = await runCli(['resume', 'd2', '--max-time', '0.3', '--summary-json', 's3.json', '-q'], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(valid(read(join(cwd, 's3.json')), 'resume').resumedDone).toBeGreaterThan(0);

    const again = await runCli(['resume', 'd1', '--summary-json', 's4.json'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(valid(read(join(cwd, 's4.json')), 'resume of a complete directory')).toMatchObject({ status: 'complete', done: 50 });

    const merged = await runCli(['merge', 'd1', '-f', 'csv', '-o', '/dev/null', '--summary-json', 's5.json'], { cwd });
    expect(merged.code, merged.stderr).toBe(0);
    valid(read(join(cwd, 's5.json')), 'merge');
  });

  it("holds for the library's summary", async () => {
    const run = scan({ targets: ['127.0.0.1'], ports: '1-20', states: ['open', 'closed'] });
    for await (const r of run) void r;
    valid(await run.summary, 'scan()');
  });

  it('refuses what no summary holds: a stop reason on a complete scan, none on an interrupted one, an unknown key', () => {
    const base = { scanKey: '0123456789abcdef', seed: 1, order: 'random', shard: { index: 1, total: 1 }, hosts: 1, ports: 1, probes: 1, done: 1, counts: { open: 1, closed: 0, filtered: 0, error: 0 }, events: {}, engine: 'handle', workers: 1, workerThreads: 0, concurrency: 1, startedAt: '2026-12-03T10:00:00.000Z', elapsedMs: 1, rate: 1 };
    expect(check({ ...base, status: 'complete', stopReason: null })).toBe(true);
    expect(check({ ...base, status: 'complete', stopReason: 'signal' })).toBe(false);
    expect(check({ ...base, status: 'interrupted', stopReason: null })).toBe(false);
    expect(check({ ...base, status: 'complete', stopReason: null, surprise: 1 })).toBe(false);
  });
});
