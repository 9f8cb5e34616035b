/**
 * `resume DIR -f FORMAT` without `-o`: the report in the new format goes to
 * stdout, as a scan's would. It went into the first run's report file, so
 * `-f csv` wrote CSV into report.ndjson in place of that report (found by an
 * audit). The same format, or `-o`, keeps writing where asked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

describe('resume with another format and no -o', () => {
  it('writes it to stdout and leaves the first report file as it was', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-50', '--states', 'all', '--max-time', '0.001', '-q', '-f', 'ndjson', '-o', 'a.ndjson', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).not.toBe(2);
    expect(JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
    const before = readFileSync(join(cwd, 'a.ndjson'), 'utf8');
    const r = await runCli(['resume', 'd', '-q', '-f', 'csv', '--no-max-time'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^host,port,state,/);
    expect(lines.slice(1).map((l) => l.split(',')[1]).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    expect(readFileSync(join(cwd, 'a.ndjson'), 'utf8')).toBe(before);
  });
});
