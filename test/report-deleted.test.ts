/**
 * A report file deleted while the scan wrote it (its directory removed, a
 * cleanup job): every write went on succeeding into a file no directory
 * names, and the scan ended with exit 0, the report lost without a word.
 */
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FdWritable } from '../src/output/fd-stream.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { waitFor } from './helpers/wait.js';

describe('a report file deleted during the scan', () => {
  it('fails its stream at the end, and one that is still there ends as before', async () => {
    const dir = scratchDir();
    const kept = new FdWritable(openSync(join(dir, 'kept.txt'), 'w'), true);
    kept.end('written\n');
    await finished(kept);
    expect(readFileSync(join(dir, 'kept.txt'), 'utf8')).toBe('written\n');

    const path = join(dir, 'gone.txt');
    const gone = new FdWritable(openSync(path, 'w'), true);
    gone.write('written\n');
    unlinkSync(path);
    gone.end();
    await expect(finished(gone)).rejects.toThrow(/deleted while it was written/);
  });

  it('is an error (exit 1) that says how the shard directory writes it again', async () => {
    const dir = scratchDir();
    const reports = join(dir, 'reports');
    mkdirSync(reports);
    const xml = join(reports, 'scan.xml');
    const outDir = join(dir, 'shards');
    // 4,000 closed ports at 2,000/s: about 2 s, time to delete the report's directory once the file exists.
    const run = runCli(['127.0.0.1', '-p', '1-4000', '--rate', '2000', '-oX', xml, '--out-dir', outDir, '-q'], {
      killAfterMs: 30_000,
      onSpawn: () => {
        void waitFor(() => existsSync(xml)).then(() => rmSync(reports, { recursive: true }));
      },
    });
    const r = await run;
    expect(existsSync(reports)).toBe(false);
    expect(r.code).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.includes('cannot write the report'));
    expect(line).toBe(`shardscan: error: cannot write the report to ${xml}: it was deleted while it was written (or its directory was): what it held is gone; the shard directory keeps its records: shardscan merge ${outDir} -f xml -o ${xml}`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // The command it gives writes the report again.
    mkdirSync(reports);
    const merged = await runCli(['merge', outDir, '-f', 'xml', '-o', xml]);
    expect(merged.code).toBe(0);
    const doc = readFileSync(xml, 'utf8');
    expect(doc).toMatch(/<hosts up="1" down="0" total="1"\/>/);
    expect(doc.trimEnd().endsWith('</nmaprun>')).toBe(true);
  });
});
