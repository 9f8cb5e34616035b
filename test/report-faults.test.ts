/**
 * What a user of the sorted reports (text, grep, XML) met when something went
 * wrong around them: a TMPDIR that fills up, a long end that starved Ctrl+C
 * and --metrics, a TMPDIR found bad only after the scan, and reports that
 * each read their own elapsed time.
 */
import { mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { type ProbeRecord, arrayBatch } from '../src/model/record.js';
import { FdWritable } from '../src/output/fd-stream.js';
import { HostGroups } from '../src/output/host-groups.js';
import { type ReportWriter, writeReports } from '../src/output/report.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import { startScan } from '../src/scan/start.js';
import { closedPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

const rec = (i: number): ProbeRecord => ({ host: `127.0.0.${i % 200}`, port: i + 1, state: 'closed', reason: 'ECONNREFUSED', rttMs: 1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' });
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('sorted reports when something goes wrong', () => {
  it('a report that gives up on a run it cannot write gives back every run before it (they held TMPDIR full and failed the other reports)', () => {
    const dir = join(scratchDir(), 'tmp');
    mkdirSync(dir);
    const before = openFds();
    // Nothing may be held in memory past a refused run: the report gives up at once (see the HostGroups tests for holding).
    const groups = new HostGroups(10, dir, undefined, 0);
    for (let i = 0; i < 100; i++) groups.add(arrayBatch([rec(i)]));
    expect(openFds()).toBeGreaterThan(before); // runs are open, unlinked files
    rmSync(dir, { recursive: true });
    expect(() => groups.add(arrayBatch(Array.from({ length: 10 }, (_, i) => rec(100 + i))))).toThrow(/ENOENT/);
    expect(openFds()).toBe(before);
  });

  it('a report that is dropped gives back its runs (abort)', async () => {
    const dir = join(scratchDir(), 'tmp');
    mkdirSync(dir);
    const before = openFds();
    const groups = new HostGroups(10, dir);
    for (let i = 0; i < 100; i++) groups.add(arrayBatch([rec(i)]));
    groups.discard();
    expect(openFds()).toBe(before);
  });

  it('lets timers and signals in while a long report end is written to a file', async () => {
    // A file report writes synchronously: the end of a large sorted report ran for seconds without a turn of the event loop.
    const out = new FdWritable(openSync('/dev/null', 'w'));
    const pieces = 100;
    let written = 0;
    const writer: ReportWriter = {
      start: () => '',
      batch: () => '',
      *end() {
        for (let i = 0; i < pieces; i++) {
          const until = performance.now() + 2;
          while (performance.now() < until); // 2 ms of work a piece, 200 ms in all
          written++;
          yield 'x'.repeat(1000);
        }
      },
    };
    let seenAt = -1;
    setTimeout(() => (seenAt = written), 10);
    await writeReports([{ writer, out }], (async function* () {})());
    expect(seenAt).toBeGreaterThanOrEqual(0);
    expect(seenAt).toBeLessThan(pieces);
  });

  it('the summary is final once the scan ends: every report reads the same elapsed time', async () => {
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1-20', states: ['open', 'closed'] }, { tuning: null });
    const run = startScan(await prepareScan(config), { runner: new InProcessRunner() });
    for await (const b of run.records) void b;
    await run.finished;
    const first = run.summary();
    await new Promise((r) => setTimeout(r, 30));
    expect(run.summary().elapsedMs).toBe(first.elapsedMs);
  });

  it('refuses a TMPDIR it cannot write before the first probe, when the scan may hold more than fits in memory', async () => {
    const [port] = await closedPorts(1);
    const cwd = scratchDir();
    const env = { TMPDIR: join(cwd, 'missing') };
    const big = await runCli(['127.0.0.0/17', '-p', String(port), '--states', 'all', '-oN', 'a.txt', '-f', 'ndjson', '-o', 'a.ndjson', '--out-dir', 'd'], { cwd, env });
    expect(big.code).not.toBe(0);
    expect(big.stderr).toMatch(/^shardscan: error: cannot keep the records of a report sorted by host \(text, grep, xml\) in .*missing: ENOENT \(set TMPDIR to a directory with room, or use -f ndjson, csv or json, which need none\)\n$/);
    // Before anything was written or probed.
    expect(readdirSync(cwd).filter((f) => !f.startsWith('.'))).toEqual([]);
    // A scan that cannot spill does not need TMPDIR.
    const small = await runCli(['127.0.0.1', '-p', String(port), '--states', 'all', '-oN', 'b.txt', '--no-out-dir', '-q', '-o', '/dev/null'], { cwd, env });
    expect(small.code, small.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'b.txt'), 'utf8')).toMatch(new RegExp(`^${port}/tcp +closed`, 'm'));
  });
});
