/**
 * merge --summary-json: the merged summary as a file, as a scan writes its
 * own (a Kubernetes Job's merge step had only `-f json` to read it from;
 * merge said "unknown option --summary-json (see shardscan --help)", and that
 * help is the scan's).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

const SCAN = ['127.0.0.1', '-p', '1-300', '--seed', '11', '--states', 'all', '-q', '-f', 'ndjson', '-o', '/dev/null'];

describe('merge --summary-json', () => {
  it('writes the merged summary: every shard counted, complete', async () => {
    const cwd = scratchDir();
    for (const i of [1, 2, 3]) {
      const r = await runCli([...SCAN, '--shard', `${i}/3`, '--out-dir', `s${i}`], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    const m = await runCli(['merge', 's1', 's2', 's3', '-f', 'json', '-o', 'all.json', '--summary-json', 'sum.json'], { cwd });
    expect(m.code, m.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(cwd, 'sum.json'), 'utf8')) as { status: string; stopReason: string | null; done: number; probes: number; counts: Record<string, number>; resources: { maxRssKb: number } };
    expect(doc).toMatchObject({ status: 'complete', stopReason: null, done: 300, probes: 300 });
    expect(Object.values(doc.counts).reduce((a, b) => a + b, 0)).toBe(300);
    expect(doc.resources.maxRssKb).toBeGreaterThan(0);
    // The same summary as the report's.
    const report = JSON.parse(readFileSync(join(cwd, 'all.json'), 'utf8')) as { summary: { counts: Record<string, number> } };
    expect(doc.counts).toEqual(report.summary.counts);
  });

  it('a refused merge writes none; an option merge does not take points to merge --help', async () => {
    const cwd = scratchDir();
    const r = await runCli([...SCAN, '--shard', '1/2', '--out-dir', 's1'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const missing = await runCli(['merge', 's1', '--summary-json', 'sum.json'], { cwd });
    expect(missing.code).toBe(2);
    expect(existsSync(join(cwd, 'sum.json'))).toBe(false);
    // With no directory, --summary-json (merge's own) still leaves "needs the shard directories" (it said "unknown option --summary-json").
    const none = await runCli(['merge', '--summary-json', 'sum.json'], { cwd });
    expect(none.stderr).toBe('shardscan: error: merge needs the shard directories, e.g. shardscan merge scan-1 scan-2 (see shardscan merge --help)\n');
    const seed = await runCli(['merge', 's1', '--seed', '3'], { cwd });
    expect(seed.stderr).toBe('shardscan: error: unknown option --seed (see shardscan merge --help)\n');
    expect(seed.code).toBe(2);
  });
});
