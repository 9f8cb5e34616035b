/** Resume after SIGKILL at random moments and after Ctrl+C: exactly the uninterrupted records, no duplicates. */
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { recordsIn, whenRunning } from './helpers/wait.js';
import { HOSTS, SEED, keys, twoHostScan } from './helpers/two-hosts.js';

const scan = twoHostScan();

/** Call `act` `ms` after the shard directory's records file has its first record (while `child` runs). */
const afterFirstRecord = (child: ChildProcess, dir: string, act: () => void, ms: number): void => whenRunning(child, () => recordsIn(dir) >= 1, () => setTimeout(act, ms));

describe('resume', () => {
  // Slow the scan down with --rate so a kill lands mid-scan.
  const slow = (): string[] => [HOSTS, '-p', scan.ports(), '--seed', SEED, '--states', 'all', '--rate', '4000', '-q', '-f', 'ndjson'];

  it.each([0.35, 0.65, 0.9])('after SIGKILL at %s of the way, ends with exactly the uninterrupted records', async (fraction) => {
    const dir = join(scratchDir(), 'r');
    const expected = await scan.unsharded();
    // Killed when that share of the records is written, give or take 2 %, not at a time: timed from the first
    // record, 0.9 of the way (1.26-1.36 s into a ~1.5 s scan) left ~0.1 s, and a loaded machine's late timer
    // could find the scan over.
    const killAfter = Math.floor(expected.length * (fraction + (Math.random() - 0.5) * 0.04));
    const killed = await runCli([...slow(), '--out-dir', dir], { onSpawn: (child) => whenRunning(child, () => recordsIn(dir) >= killAfter, () => child.kill('SIGKILL')) });
    expect(killed.signal).toBe('SIGKILL');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string };
    expect(manifest.status).toBe('interrupted');
    const resumed = await runCli(['resume', dir, '-f', 'ndjson', '-q']);
    expect(resumed.code).toBe(0);
    expect(keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toEqual(expected);
    expect(keys(resumed.stdout)).toEqual(expected);
    const done = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string; counts: Record<string, number>; resumed: number };
    expect(done).toMatchObject({ status: 'complete', resumed: 1 });
    expect(done.counts.open + done.counts.closed + done.counts.filtered + done.counts.error).toBe(expected.length);
  });

  it('after Ctrl+C, and with a half-written last line, and says when there is nothing left', async () => {
    const dir = join(scratchDir(), 'c');
    const stopped = await runCli([...slow(), '--out-dir', dir], { onSpawn: (child) => afterFirstRecord(child, dir, () => child.kill('SIGINT'), 500) });
    expect(stopped.code).toBe(130);
    appendFileSync(join(dir, 'shard-1-of-1.ndjson'), '{"host":"127.0.0.1","port":7,"sta');
    const resumed = await runCli(['resume', dir, '-f', 'ndjson', '-q']);
    expect(resumed.code).toBe(0);
    expect(keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toEqual(await scan.unsharded());
    const again = await runCli(['resume', dir]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already complete; nothing to resume\n/);
    // Reports named on it are written as merge writes them (helper 25: exit 0 and no file, only a merge command to run).
    const cwd = scratchDir();
    const named = await runCli(['resume', dir, '-f', 'csv', '-o', 'r 1.csv', '-oX', 'r.xml'], { cwd });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toBe(`shardscan: ${dir} is already complete; nothing to resume; writing the reports named, as merge does\n`);
    // Every record of the directory (it was scanned with --states all), as the directory holds it.
    const csvLines = readFileSync(join(cwd, 'r 1.csv'), 'utf8').trim().split('\n');
    expect(csvLines[0]).toBe('host,port,state,service,reason,rtt_ms,ts');
    expect(csvLines.slice(1).map((l) => l.split(',').slice(0, 3).join(':')).sort()).toEqual(keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8')));
    expect(readFileSync(join(cwd, 'r.xml'), 'utf8').trimEnd()).toMatch(/<\/nmaprun>$/);
    // One of the directory's own files is refused, as for a directory with work left (it said to run a merge that refused it).
    const own = await runCli(['resume', dir, '-o', join(dir, 'manifest.json')], { cwd });
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/^shardscan: error: -o '.*manifest\.json' would write over/m);
    // --summary-json alone too (helper 28: it wrote over the manifest, exit 0); -o alone in the scan's format (ndjson).
    const manifestText = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const summaryOver = await runCli(['resume', dir, '--summary-json', join(dir, 'manifest.json')], { cwd });
    expect(summaryOver.code).toBe(2);
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifestText);
    expect((await runCli(['resume', dir, '-o', 'again'], { cwd })).code).toBe(0);
    const recorded = keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'));
    expect(recorded.length).toBeGreaterThan(0);
    expect(keys(readFileSync(join(cwd, 'again'), 'utf8'))).toEqual(recorded);
    // One machine's shard of two, complete: its report alone, as merge --allow-partial writes it (helper 28: "missing shard 2/2", exit 2).
    expect((await runCli(['127.0.0.1', '-p', '1-50', '--seed', '3', '--shard', '1/2', '-q', '-o', '/dev/null', '--out-dir', 's1'], { cwd })).code).toBe(0);
    const shard = await runCli(['resume', 's1', '-oX', 's1.xml'], { cwd });
    expect(shard.code, shard.stderr).toBe(0);
    expect(readFileSync(join(cwd, 's1.xml'), 'utf8')).toMatch(/partial results, 25 of 50 probes[\s\S]*<\/nmaprun>\s*$/);
    // Damaged once complete: refused as merge refuses it (it was "already complete", exit 0, and a script that resumes until done never knew).
    appendFileSync(join(dir, 'shard-1-of-1.ndjson'), '{"host":"127.0.0.1","port":23,"state":"open"}\n');
    const damaged = await runCli(['resume', dir, '--summary-json', 'summary.json']);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(new RegExp(`^shardscan: error: ${dir} is complete but damaged: .*shard-1-of-1\\.ndjson:\\d+: .*; shardscan validate ${dir} lists them\n$`));
  });

  it('keeps the first run\'s --max-time unless resume is given its own', async () => {
    const dir = join(scratchDir(), 't');
    // --rate 4000 makes the scan take ~1.5 s, so a 0.2 s slice cannot finish it.
    const first = await runCli([...slow(), '--max-time', '0.2', '--out-dir', dir]);
    expect(first.code).toBe(0);
    const status = (): string => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string }).status;
    expect(status()).toBe('interrupted');
    const slice = await runCli(['resume', dir, '-q', '-f', 'ndjson']);
    expect(slice.code).toBe(0);
    expect(status()).toBe('interrupted'); // another 0.2 s slice, from the manifest
    // -q: no summary, one line that says the scan is not complete and how to go on.
    expect(slice.stderr).toMatch(new RegExp(`^shardscan: stopped at --max-time after \\d+/\\d+ probes; continue with: shardscan resume ${dir}\n$`));
    const rest = await runCli(['resume', dir, '--max-time', '60', '--host-rate', '100000', '-q', '-f', 'ndjson']);
    expect(rest.code).toBe(0);
    expect(status()).toBe('complete');
    expect(keys(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'))).toEqual(await scan.unsharded());
  });

  it('counts --max-time from the resume command, so reading a large directory back is inside it', async () => {
    const cwd = scratchDir();
    const [port] = await closedPorts(1);
    // Tens of thousands of closed records in 3 s of a 262,144-position walk: reading them back takes longer than 0.25 s,
    // where 0.25 s of probing decides thousands more.
    const first = await runCli(['127.0.0.0/14', '-p', String(port), '--states', 'all', '--max-time', '3', '--out-dir', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const covered = (): number => {
      const c = (JSON.parse(readFileSync(join(cwd, 'd', 'checkpoint.json'), 'utf8')) as { counts: Record<string, number> }).counts;
      return Object.values(c).reduce((a, b) => a + b, 0);
    };
    const before = covered();
    expect(before).toBeGreaterThan(30_000);
    const again = await runCli(['resume', 'd', '--max-time', '0.25', '-q', '-o', '/dev/null'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    // The limit was spent before the first probe: the directory holds what it held, and no more, and it is said (-q too).
    expect(again.stderr).toMatch(new RegExp(`^shardscan: note: reading d back took the whole --max-time 0\\.25 s before the first probe \\(this run: [\\d.]+ s\\), so nothing was probed, and a slice of that length never will be; give a longer --max-time, or --no-max-time\nshardscan: stopped at --max-time after ${before}/262144 probes; continue with: shardscan resume d\n$`));
    expect(covered()).toBe(before);
  });

  it('writes --summary-json for a directory already complete, as its scan ended', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-50', '--out-dir', 'd', '-q', '--summary-json', 'first.json'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    // A script that resumes until its summary says complete reads this file: a stale one would loop for ever.
    writeFileSync(join(cwd, 'again.json'), '{"status":"interrupted"}');
    const again = await runCli(['resume', 'd', '--summary-json', 'again.json'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const was = JSON.parse(readFileSync(join(cwd, 'first.json'), 'utf8')) as Record<string, unknown>;
    const now = JSON.parse(readFileSync(join(cwd, 'again.json'), 'utf8')) as Record<string, unknown>;
    for (const k of ['status', 'scanKey', 'seed', 'hosts', 'ports', 'probes', 'done', 'counts', 'outDir']) expect(now[k], k).toEqual(was[k]);
    expect(now.status).toBe('complete');
  });

  it('says how many of the positions done were done by earlier runs: the summary read as all of them in this run\'s time', async () => {
    const cwd = scratchDir();
    // 65,536 probes take longer than 0.3 s; a fresh run's summary has no resumedDone.
    const first = await runCli(['127.0.0.0/16', '-p', '9', '--max-time', '0.3', '--out-dir', 'd', '-o', '/dev/null', '--summary-json', 'first.json'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const was = JSON.parse(readFileSync(join(cwd, 'first.json'), 'utf8')) as Record<string, unknown>;
    expect(was.status).toBe('interrupted');
    expect(was).not.toHaveProperty('resumedDone');
    expect(first.stderr).not.toMatch(/by earlier runs/);
    const again = await runCli(['resume', 'd', '--no-max-time', '-o', '/dev/null', '--summary-json', 'again.json'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const kept = Number(/resuming d: (\d+) of 65536 positions already decided/.exec(again.stderr)?.[1]);
    expect(kept).toBeGreaterThan(0);
    const now = JSON.parse(readFileSync(join(cwd, 'again.json'), 'utf8')) as { done: number; resumedDone: number; rate: number; elapsedMs: number };
    expect(now.done).toBe(65536);
    expect(now.resumedDone).toBe(kept);
    expect(again.stderr).toContain(`65536/65536 probes (65536 hosts × 1 port; ${kept} done by earlier runs) in `);
  });

  it('says how to go on when the records file is gone', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-3000', '--rate', '2000', '--max-time', '0.3', '--out-dir', 'd', '-q', '-o', '/dev/null'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    rmSync(join(cwd, 'd', 'shard-1-of-1.ndjson'));
    const r = await runCli(['resume', 'd'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shardscan: error: records file d/shard-1-of-1.ndjson is missing: restore it, or scan again into a new directory\n');
  });

  it('a copied directory resumes into itself: its reports go to the copy, the original is untouched', async () => {
    const cwd = scratchDir();
    mkdirSync(join(cwd, 'd'));
    const first = await runCli(['127.0.0.1', '-p', '1-300', '--rate', '200', '--max-time', '0.3', '--out-dir', 'd', '-q', '-o', 'd/report.txt', '-oG', 'd/report.gnmap'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    cpSync(join(cwd, 'd'), join(cwd, 'copy'), { recursive: true });
    const before = ['report.txt', 'report.gnmap', 'shard-1-of-1.ndjson', 'manifest.json'].map((f) => readFileSync(join(cwd, 'd', f), 'utf8'));
    const again = await runCli(['resume', 'copy', '--no-max-time', '-q'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    // The original, which another machine may still be resuming, is as it was.
    expect(['report.txt', 'report.gnmap', 'shard-1-of-1.ndjson', 'manifest.json'].map((f) => readFileSync(join(cwd, 'd', f), 'utf8'))).toEqual(before);
    expect(readFileSync(join(cwd, 'copy', 'report.txt'), 'utf8')).toMatch(/300 of 300 probes/);
    expect(readFileSync(join(cwd, 'copy', 'report.gnmap'), 'utf8')).toMatch(/# Nmap done|# shardscan done/);
    const manifest = JSON.parse(readFileSync(join(cwd, 'copy', 'manifest.json'), 'utf8')) as { status: string; config: { outDir: string; output: string } };
    expect(manifest.status).toBe('complete');
    expect(manifest.config).toMatchObject({ outDir: join(cwd, 'copy'), output: join(cwd, 'copy', 'report.txt') });
    // The original resumes too, rewriting the report its first run wrote inside it (it was refused: "would write over").
    const original = await runCli(['resume', 'd', '--no-max-time', '-q'], { cwd });
    expect(original.code, original.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'd', 'report.txt'), 'utf8')).toMatch(/300 of 300 probes/);
  });

  it('refuses a directory that is not a scan', async () => {
    const r = await runCli(['resume', scratchDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/manifest\.json does not exist: not a shardscan output directory/);
  });

  it('--no-max-time lifts the time limit a resume inherits (it crashed: internal error, exit 1)', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-300', '--rate', '200', '--max-time', '0.3', '--out-dir', 'sd', '-q', '-o', '/dev/null'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const manifest = (): { status: string } => JSON.parse(readFileSync(join(cwd, 'sd', 'manifest.json'), 'utf8'));
    expect(manifest().status).toBe('interrupted');
    // At 200/s the 300 ports need 1.5 s: an inherited 0.3 s limit would stop it again.
    const again = await runCli(['resume', 'sd', '--no-max-time', '-q', '-o', '/dev/null'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(manifest().status).toBe('complete');
  });
});
