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

  /** Scan 127.0.0.1 with `flags` and an XML report whose directory is removed once the file exists; the refusal's line and the paths. */
  async function deletedReport(flags: string[]): Promise<{ line: string | undefined; xml: string; outDir: string; reports: string }> {
    const dir = scratchDir();
    const reports = join(dir, 'reports');
    mkdirSync(reports);
    const xml = join(reports, 'scan.xml');
    const outDir = join(dir, 'shards');
    // Closed ports at 2,000/s: about 2 s (4,000) or 1 s (a shard of 2), time to delete the report's directory once the file exists.
    const r = await runCli(['127.0.0.1', '-p', '1-4000', '--rate', '2000', '-oX', xml, '--out-dir', outDir, '-q', ...flags], {
      killAfterMs: 30_000,
      onSpawn: () => {
        void waitFor(() => existsSync(xml)).then(() => rmSync(reports, { recursive: true }));
      },
    });
    expect(existsSync(reports)).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    return { line: r.stderr.split('\n').find((l) => l.includes('cannot write the report')), xml, outDir, reports };
  }

  it('is an error (exit 1) that says how the shard directory writes it again', async () => {
    const { line, xml, outDir, reports } = await deletedReport([]);
    expect(line).toBe(`shardscan: error: cannot write the report to ${xml}: it was deleted while it was written (or its directory was): what it held is gone; the shard directory keeps its records: mkdir -p ${reports} && shardscan merge ${outDir} -f xml -o ${xml}`);

    // The command it gives writes the report again (the directory made first: merge alone could not open the file).
    expect((await runCli(['merge', outDir, '-f', 'xml', '-o', xml])).code).not.toBe(0);
    mkdirSync(reports);
    const merged = await runCli(['merge', outDir, '-f', 'xml', '-o', xml]);
    expect(merged.code).toBe(0);
    const doc = readFileSync(xml, 'utf8');
    expect(doc).toMatch(/<hosts up="1" down="0" total="1"\/>/);
    expect(doc.trimEnd().endsWith('</nmaprun>')).toBe(true);
  });

  it('of one machine\'s shard, gives a merge that takes that shard alone (merge refused the command it gave: shards missing)', async () => {
    const { line, xml, outDir, reports } = await deletedReport(['--shard', '1/2', '--seed', '5']);
    expect(line).toBe(`shardscan: error: cannot write the report to ${xml}: it was deleted while it was written (or its directory was): what it held is gone; the shard directory keeps this shard's records: mkdir -p ${reports} && shardscan merge ${outDir} --allow-partial -f xml -o ${xml} (with every shard's directory instead, the whole scan's report)`);
    mkdirSync(reports);
    const merged = await runCli(['merge', outDir, '--allow-partial', '-f', 'xml', '-o', xml]);
    expect(merged.code).toBe(0);
    expect(readFileSync(xml, 'utf8')).toMatch(/merged without every shard.*2000 of 4000 probes/);
  });
});
