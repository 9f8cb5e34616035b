/**
 * Shard directories live in the user's state directory, not the current one:
 * a plain scan leaves the directory it runs in untouched; `status` lists
 * scans (text and JSON) with their state, progress and files, groups the
 * shard directories of one sharded scan with a total line, and tells a
 * running scan from an interrupted one, and lists a damaged directory with
 * why; `resume` without a directory picks the latest interrupted scan and
 * never a running one.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../src/store/status.js';
import { stateDir } from '../src/store/state-dir.js';
import { type Fixture, blackholePorts, openPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { checkpointIn, stateScanDir, waitFor } from './helpers/wait.js';

let open: Fixture;
let filtered: Fixture;

beforeAll(async () => {
  open = await openPorts(1);
  filtered = await blackholePorts(1);
});

afterAll(async () => {
  await open?.close();
  await filtered?.close();
});

type StatusJson = StatusReport & { dirs: string[] };

describe('the state directory', () => {
  it('is SHARDSCAN_STATE_DIR, else $XDG_STATE_HOME/shardscan (absolute only), else ~/.local/state/shardscan', () => {
    expect(stateDir({ SHARDSCAN_STATE_DIR: '/s', XDG_STATE_HOME: '/x' })).toBe('/s');
    expect(stateDir({ XDG_STATE_HOME: '/x' })).toBe('/x/shardscan');
    expect(stateDir({ XDG_STATE_HOME: 'relative' })).toMatch(/\/\.local\/state\/shardscan$/);
    expect(stateDir({})).toMatch(/\/\.local\/state\/shardscan$/);
  });

  it('a state directory that cannot be made is said as such, not as an --out-dir never given', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1', '-q', '-o', '/dev/null'], { env: { SHARDSCAN_STATE_DIR: '/etc/hostname/state' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: cannot create the shard directory '\/etc\/hostname\/state\/[^']+': ENOTDIR; the state directory is not writable: set SHARDSCAN_STATE_DIR, or give --out-dir DIR \(or --no-out-dir\)\n$/);
  });

  it('scans with one --seed started in the same second get their own directories (the second was refused)', async () => {
    const dir = scratchDir();
    const runs = await Promise.all([1, 2, 3].map((h) => runCli([`127.0.0.${h}`, '-p', '1', '--seed', '7', '-q', '-o', '/dev/null'], { env: { SHARDSCAN_STATE_DIR: dir } })));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(readdirSync(dir)).toHaveLength(3);
    for (const id of readdirSync(dir)) expect(id).toMatch(/^\d{8}T\d{6}Z-7-[0-9a-z]{4}$/);
  });

  it('a plain scan from an empty directory leaves it empty; status shows the scan, as text and JSON', async () => {
    const cwd = scratchDir();
    const home = scratchDir();
    const xdg = scratchDir();
    const env = { SHARDSCAN_STATE_DIR: '', XDG_STATE_HOME: xdg, HOME: home, SHARDSCAN_CONFIG_DIR: join(home, '.config') };
    const r = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '--seed', '9'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const ids = readdirSync(join(xdg, 'shardscan'));
    expect(ids).toHaveLength(1);
    const dir = join(xdg, 'shardscan', ids[0]!);
    expect(r.stderr).toContain(`shard files: ${dir}`);

    const text = await runCli(['status'], { cwd, env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^scan [0-9a-f]{16}: 1\/1 shard complete, 1\/1 probes \(100\.0%\)\n {2}seed 9, 1 host × 1 port, started \S+\n {2}shard 1\/1 {2}complete {2}1\/1 \(100\.0%\) {2}\S+\/s {2}/);
    expect(text.stdout).toContain(dir);
    const json = await runCli(['status', '--json'], { cwd, env });
    const doc = JSON.parse(json.stdout) as StatusJson;
    expect(doc.dirs).toEqual([join(xdg, 'shardscan')]);
    expect(doc.scans).toHaveLength(1);
    expect(doc.scans[0]!.entries[0]).toMatchObject({ dir, state: 'complete', done: 1, probes: 1, counts: { open: 1 }, etaSec: null, records: join(dir, 'shard-1-of-1.ndjson') });
    expect(readdirSync(cwd)).toEqual([]);
    // --format json is --json; --json with --format text asks for two answers (it printed JSON without a word).
    expect(JSON.parse((await runCli(['status', '--format', 'json'], { cwd, env })).stdout)).toEqual(doc);
    const both = await runCli(['status', '--json', '--format', 'text'], { cwd, env });
    expect([both.code, both.stdout, both.stderr]).toEqual([2, '', 'shardscan: error: --json and --format text ask for two formats; give one\n']);

    // Without XDG_STATE_HOME: ~/.local/state/shardscan.
    const r2 = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '-q'], { cwd, env: { ...env, XDG_STATE_HOME: '' } });
    expect(r2.code, r2.stderr).toBe(0);
    expect(readdirSync(join(home, '.local', 'state', 'shardscan'))).toHaveLength(1);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an empty state directory: "no scans", exit 0', async () => {
    const r = await runCli(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no scans in .*\.state \(scans without --out-dir keep their shard directories there\)\n$/);
    const bad = await runCli(['status', '/nonexistent/scans']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("shardscan: error: no such directory '/nonexistent/scans'; name a shard directory or a directory of them\n");
  });

  it('a state directory that is a file is said, exit 2 (it was "no scans", exit 0)', async () => {
    const file = join(scratchDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runCli(['status'], { env: { SHARDSCAN_STATE_DIR: file } });
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', `shardscan: error: the state directory '${file}' is a file, not a directory; point SHARDSCAN_STATE_DIR at a directory\n`]);
  });
});

describe('status of a shard directory that lost its manifest', () => {
  it('says it cannot be read, exit 1, named or inside a directory of scans (it said "no scans", exit 0)', async () => {
    const base = scratchDir();
    const r0 = await runCli(['127.0.0.1', '-p', '1-10', '-q', '-o', '/dev/null', '--out-dir', join(base, 'd')]);
    expect(r0.code, r0.stderr).toBe(0);
    rmSync(join(base, 'd', 'manifest.json'));
    for (const dir of [join(base, 'd'), base]) {
      const r = await runCli(['status', dir]);
      expect(r.stdout).toBe(`${join(base, 'd')}: cannot read: ${join(base, 'd', 'manifest.json')} does not exist: not a shardscan output directory\n`);
      expect(r.code).toBe(1);
    }
    // An empty directory, or records copied together for a script, is still no scans.
    mkdirSync(join(base, 'empty'));
    const empty = await runCli(['status', join(base, 'empty')]);
    expect([empty.code, empty.stdout]).toEqual([0, `no scans in ${join(base, 'empty')}\n`]);
    mkdirSync(join(base, 'copied'));
    cpSync(join(base, 'd', 'shard-1-of-1.ndjson'), join(base, 'copied', 'shard-1-of-1.ndjson'));
    const copied = await runCli(['status', join(base, 'copied')]);
    expect([copied.code, copied.stdout]).toEqual([0, `no scans in ${join(base, 'copied')}\n`]);
  });
});

describe("an empty directory name for resume and validate", () => {
  it('is refused in one line, exit 2, also inside a shard directory (both read the current directory)', async () => {
    const base = scratchDir();
    const r0 = await runCli(['127.0.0.1', '-p', '1-10', '--max-time', '0.001', '-q', '-o', '/dev/null', '--out-dir', join(base, 'd')]);
    expect(r0.code, r0.stderr).toBe(0);
    const cwd = join(base, 'd');
    const resume = await runCli(['resume', ''], { cwd });
    expect([resume.code, resume.stdout, resume.stderr]).toEqual([2, '', "shardscan: error: resume '': an empty directory name; name a shard directory, or give none for the latest interrupted scan\n"]);
    const validate = await runCli(['validate', ''], { cwd });
    expect([validate.code, validate.stdout, validate.stderr]).toEqual([2, '', "shardscan: error: validate '': an empty directory name; name the shard directories, e.g. shardscan validate scan-1 scan-2\n"]);
  });
});

describe('status over many shard directories', () => {
  it('groups the shards of one scan with a total line; other entries are ignored', async () => {
    const base = scratchDir();
    // 127.0.0.66, where no test listens: every port of 127.0.0.1 reaches other files' listeners, whose tests count connections.
    const common = ['127.0.0.66', '-p-', '--seed', '21', '-q', '-o', '/dev/null'];
    for (const x of [1, 2]) expect((await runCli([...common, '--shard', `${x}/4`, '--out-dir', join(base, `demo-shard-${x}-of-4`)])).code).toBe(0);
    // Stopped at once by --max-time: resumable, 16,384 probes cannot all be done in 1 ms.
    expect((await runCli([...common, '--shard', '3/4', '--max-time', '0.001', '--out-dir', join(base, 'demo-shard-3-of-4')])).code).toBe(0);
    writeFileSync(join(base, 'demo.ndjson'), '');
    mkdirSync(join(base, 'not-a-shard'));
    const r = await runCli(['status', base]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^scan [0-9a-f]{16}: 2\/4 shards complete, 1 interrupted, 1 missing, (\d+|[\d.]+k)\/65535 probes \(\d+\.\d%\)$/);
    expect(lines.slice(2).map((l) => /^ {2}(shard \d\/4) +(\w+(?: \([\w-]+\))?) {2}/.exec(l)?.slice(1, 3).join(' '))).toEqual(['shard 1/4 complete', 'shard 2/4 complete', 'shard 3/4 interrupted (time-limit)']);
    expect(lines[4]).toContain(join(base, 'demo-shard-3-of-4'));
    const doc = JSON.parse((await runCli(['status', base, '-f', 'json'])).stdout) as StatusJson;
    expect(doc.scans).toHaveLength(1);
    expect(doc.scans[0]!.shards).toEqual({ total: 4, complete: 2, interrupted: 1, running: 0, missing: 1, copies: 0 });
    expect(doc.scans[0]!.probes).toBe(65535);
    expect(doc.scans[0]!.done).toBe(doc.scans[0]!.entries.reduce((n, e) => n + e.done, 0));
    expect(doc.scans[0]!.done).toBeLessThan(65535 / 4 * 3);

    // Copies of a shard (here shard 1, twice more, and shard 3 finished elsewhere) count once, by the copy
    // furthest along: they were added up ("4/4 shards complete ... (125.0%)").
    cpSync(join(base, 'demo-shard-1-of-4'), join(base, 'copy-a'), { recursive: true });
    cpSync(join(base, 'demo-shard-1-of-4'), join(base, 'copy-b'), { recursive: true });
    expect((await runCli([...common, '--shard', '3/4', '--out-dir', join(base, 'copy-c')])).code).toBe(0);
    const again = JSON.parse((await runCli(['status', base, '-f', 'json'])).stdout) as StatusJson;
    expect(again.scans[0]!.shards).toEqual({ total: 4, complete: 3, interrupted: 0, running: 0, missing: 1, copies: 3 });
    expect(again.scans[0]!.entries).toHaveLength(6);
    expect(again.scans[0]!.done).toBeLessThanOrEqual(65535);
    const text = (await runCli(['status', base])).stdout.split('\n')[0];
    expect(text).toMatch(/^scan [0-9a-f]{16}: 3\/4 shards complete, 1 missing, 3 extra copies \(each shard counted once\), (\d+|[\d.]+k)\/65535 probes \(75\.\d%\)$/);

    // A run of a complete shard again (a rescan with the same seed) is running, though the complete copy counts:
    // it showed "running": 0 while it probed.
    cpSync(join(base, 'demo-shard-1-of-4'), join(base, 'rescan'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(base, 'rescan', 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(base, 'rescan', 'manifest.json'), JSON.stringify({ ...manifest, status: 'interrupted', stopReason: null, endedAt: null }));
    writeFileSync(join(base, 'rescan', 'running.lock'), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const live = JSON.parse((await runCli(['status', base, '-f', 'json'])).stdout) as StatusJson;
    expect(live.scans[0]!.shards).toEqual({ total: 4, complete: 3, interrupted: 0, running: 1, missing: 1, copies: 4 });
    expect((await runCli(['status', base])).stdout.split('\n')[0]).toMatch(/^scan [0-9a-f]{16}: 3\/4 shards complete, 1 running, 1 missing, 4 extra copies/);
  });
});

describe('status over a damaged shard directory', () => {
  it('lists it with why, and exits 1', async () => {
    const base = scratchDir();
    mkdirSync(join(base, 'broken'));
    writeFileSync(join(base, 'broken', 'manifest.json'), '{"format":"shardscan-shard"');
    const r = await runCli(['status', base]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${join(base, 'broken').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read: .*manifest\\.json is not valid JSON`));
    const doc = JSON.parse((await runCli(['status', base, '--json'])).stdout) as StatusJson;
    expect(doc.scans).toEqual([]);
    expect(doc.problems).toHaveLength(1);
  });
});

describe('resume without a directory', () => {
  it('sees a running scan as running (and will not resume it), then resumes the latest interrupted one', async () => {
    const cwd = scratchDir();
    const scan = ['127.0.0.1', '-p', `${open.ports[0]},${filtered.ports[0]}`, '--timeout', '6000', '--min-rtt-timeout', '6s', '--retries', '0', '-q', '-o', '/dev/null'];
    let during: { status: string; resume: { code: number | null; stderr: string } } | null = null;
    const first = await runCli(scan, {
      cwd,
      // Looked at once the scan's directory has its checkpoint (the filtered port then waits 6 s), not after a fixed
      // time that a loaded machine's start-up can outrun.
      onSpawn: (child) => {
        void (async () => {
          await waitFor(() => checkpointIn(stateScanDir(cwd)), 15_000);
          const s = await runCli(['status', '--json'], { cwd });
          const resume = await runCli(['resume'], { cwd });
          during = { status: s.stdout, resume };
          child.kill('SIGINT');
        })().catch(() => child.kill('SIGKILL'));
      },
    });
    expect(first.code).toBe(130);
    expect(during).not.toBeNull();
    const { status, resume } = during!;
    expect((JSON.parse(status) as StatusJson).scans[0]!.entries[0]!.state).toBe('running');
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/^shardscan: error: no interrupted scan in .*\.state \(1 still running: .*\); name one: shardscan resume DIR/);

    const after = JSON.parse((await runCli(['status', '--json'], { cwd })).stdout) as StatusJson;
    const stopped = after.scans[0]!.entries[0]!;
    expect(stopped).toMatchObject({ state: 'interrupted', stopReason: 'signal', probes: 2 });
    const r = await runCli(['resume', '-f', 'ndjson', '-o', join(cwd, 'resumed.ndjson')], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`shardscan: no directory given; the latest interrupted scan is ${stopped.dir} (started ${stopped.startedAt}`);
    const done = JSON.parse((await runCli(['status', '--json'], { cwd })).stdout) as StatusJson;
    expect(done.scans[0]!.entries[0]).toMatchObject({ dir: stopped.dir, state: 'complete', done: 2 });
    expect(existsSync(join(cwd, 'resumed.ndjson'))).toBe(true);
  });
});
