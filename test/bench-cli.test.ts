/**
 * The bench's command line: bad input is one line and exit 2 before any scan
 * (a bad --baseline was read after the loopback runs, with a stack trace; an
 * --out under a file gave ENOTDIR with a stack trace); a run without W1 and
 * W2 writes a valid result and recommends nothing (it failed the schema, and
 * recommended "W1 0 + W2 0"); Ctrl+C leaves no stopped fixture child and no
 * scratch directory (a SIGSTOPped child stayed forever, holding 500 listeners).
 * Loopback only.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTuningWritable } from '../bench/run.js';
import type { BenchDocument } from '../bench/types.js';
import { validator } from '../src/schemas.js';
import { scratchDir } from './helpers/cli.js';

const BENCH = resolve(import.meta.dirname, '../dist/bench/main.js');

function bench(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const home = scratchDir();
  const child = spawn(process.execPath, [BENCH, ...args], { env: { ...process.env, SHARDSCAN_CONFIG_DIR: join(home, 'config'), SHARDSCAN_STATE_DIR: join(home, 'state'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, child);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((done) => child.on('close', (code) => (clearTimeout(killer), done({ code, stdout, stderr, pid: child.pid! }))));
}

/** Stopped processes (state T) whose parent was `pid` once: blackhole children of that bench, orphaned. */
function stoppedChildrenOf(args: string): number[] {
  const found: number[] = [];
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (/\) T /.test(stat) && cmd.includes(args)) found.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A JSON file that is no bench's: --baseline took it, and the bench ran its whole loopback part. */
const BASELINE_NOT_BENCH = join(scratchDir(), 'not-bench.json');
writeFileSync(BASELINE_NOT_BENCH, '{"x":1}\n');

describe('npm run bench: bad input', () => {
  it.each([
    [['--baseline', '/nonexistent/bench.json'], /^bench: cannot read the baseline \/nonexistent\/bench\.json: .*ENOENT.* \(see npm run bench -- --help\)\n$/],
    [['--out', '/etc/hostname/results'], /^bench: cannot create --out '\/etc\/hostname\/results': ENOTDIR \(see npm run bench -- --help\)\n$/],
    // Node's recursive mkdir spun at 100 % CPU forever under /proc.
    [['--out', '/proc/shardscan-none/results'], /^bench: cannot create --out '\/proc\/shardscan-none\/results': ENOENT \(see npm run bench -- --help\)\n$/],
    [['--seed', 'x'], /^bench: --seed must be an integer/],
    [['--seed', ''], /^bench: --seed must be an integer, got ''/],
    [['--baseline', BASELINE_NOT_BENCH], /^bench: --baseline .*not-bench\.json has no W1 and W2 cells: give the JSON of a full bench/],
  ])('%j: exit 2, one line, no scan', async (args, message) => {
    const r = await bench(['--quick', '--workloads', 'W1', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run bench: empty values (an unset shell variable)', () => {
  // --workloads '' ran the whole 18-minute bench, network lab included; --out '' wrote the result into the working directory.
  it.each([
    [['--workloads', ''], /^bench: --workloads names no workload/],
    [['--quick', '--workloads', 'W1', '--out', ''], /^bench: --out names no directory/],
    [['--target', '127.0.0.1', '-p', ''], /^bench: --target needs -p PORTS/],
    [['--runs', ''], /^bench: -p, --runs and --yes go with --target/],
  ])('%j: exit 2, one line, no scan', async (args, message) => {
    // Had it started a bench, its first progress line stops it (SIGTERM: the lab's namespaces are removed).
    const r = await bench(args, (text, child) => {
      if (/\] /.test(text)) child.kill('SIGTERM');
    });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run bench -- --workloads W3', () => {
  it('writes a valid result, with the defaults the CLI chose and no recommendation', async () => {
    const out = scratchDir();
    const r = await bench(['--quick', '--workloads', 'W3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(files.filter((f) => f.endsWith('.invalid.json'))).toEqual([]);
    expect(files).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchDocument & { memory: { defaults: { workers: number } }; recommendation: unknown };
    expect(validator('bench')(doc)).toBe(true);
    expect(doc.memory.defaults.workers).toBeGreaterThanOrEqual(1);
    expect(doc.recommendation).toBeNull();
  });

  it('Ctrl+C: exit 130, no stopped fixture child, no scratch directory left', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('shardscan-bench-')));
    const out = scratchDir();
    let sent = false;
    const r = await bench(['--quick', '--workloads', 'W3', '--out', out], (text, child) => {
      // W3's fixtures are up once its first cell starts.
      if (!sent && /W3: .*fixtures: /.test(text)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(stoppedChildrenOf('127.0.0.3')).toEqual([]);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('shardscan-bench-') && !before.has(n))).toEqual([]);
    // No cell was measured yet: no file claims to hold results.
    expect(r.stderr).not.toMatch(/what was measured/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('Ctrl+C after the first cells: what was measured is kept, as a valid bench document (a stop threw it all away)', async () => {
    const out = scratchDir();
    let sent = false;
    const r = await bench(['--quick', '--workloads', 'W3', '--out', out], (text, child) => {
      // A cell's line: "  W3 1w × 64: 1 run(s), …".
      if (!sent && /W3 \d+w × \d+: /.test(text)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-.*Z\.interrupted\.json$/);
    expect(r.stderr).toContain(`bench: what was measured until now: ${join(out, files[0]!)}\n`);
    const doc = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchDocument;
    expect(validator('bench')(doc)).toBe(true);
    expect(doc.interrupted).toMatch(/^SIGINT after \d+ s$/);
    expect(doc.cells!.length).toBeGreaterThanOrEqual(1);
    expect(doc.cells!.every((c) => c.workload === 'W3' && c.runs.length >= 1)).toBe(true);
    expect(doc.recommendation).toBeNull();
    expect(doc.goals).toEqual([]);
  });
});

describe('npm run bench: a run with a local event', () => {
  it('a worker that crashed is said in the result, not hidden in its figures', async () => {
    const out = scratchDir();
    // The test hook reaches the bench's scans through their environment: the first chunk's worker dies once.
    const r = await bench(['--quick', '--workloads', 'W3', '--out', out], undefined, { SHARDSCAN_FAULT: 'crash:chunk=0:after=1' });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('Z.json'))!), 'utf8')) as BenchDocument;
    expect(validator('bench')(doc)).toBe(true);
    expect(doc.notes).toContainEqual(expect.stringMatching(/^W3 \d+w×\d+: local events in \d+ of \d+ run\(s\), in their figures: worker-crash × \d+, chunk-rerun × \d+$/));
    expect(doc.cells!.every((c) => c.notes.some((n) => /^local events in [1-9]\d* of \d+ run\(s\), in their figures: worker-crash × /.test(n)))).toBe(true);
  });
});

describe('bench --save', () => {
  it('where the tuning cannot be written: one line, exit 2, before any scan (it measured everything, then threw it away with a stack trace)', async () => {
    const home = scratchDir();
    writeFileSync(join(home, 'afile'), '');
    const out = join(home, 'out');
    const r = await bench(['--target', '127.0.0.1', '-p', '1', '--runs', '1', '--save', '--out', out], undefined, { SHARDSCAN_CONFIG_DIR: join(home, 'afile', 'cfg') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bench: --save cannot write .*afile\/cfg\/tuning\.json: ENOTDIR; set SHARDSCAN_CONFIG_DIR to a writable directory/m);
    expect(r.stderr).not.toMatch(/scanning|\n\s+at /);
  });

  // Its writability check made the directory: a --save that stored nothing left an empty ~/.config/shardscan.
  it('that stores nothing (a loopback target) leaves no config directory behind', async () => {
    const home = scratchDir();
    const config = join(home, 'xdg', 'shardscan');
    const r = await bench(['--target', '127.0.0.1', '-p', '1', '--runs', '1', '--save', '--out', join(home, 'out')], undefined, { SHARDSCAN_CONFIG_DIR: config });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(config, 'tuning.json'))).toBe(false);
    expect(existsSync(join(home, 'xdg'))).toBe(false);
    expect(readdirSync(home)).toEqual(['out']);
  });

  it('checkTuningWritable checks by making the directories it lacks, and removes them again', () => {
    const home = scratchDir();
    checkTuningWritable(join(home, 'a', 'b', 'tuning.json'));
    expect(readdirSync(home)).toEqual([]);
    // A directory that was there stays.
    mkdirSync(join(home, 'kept'));
    checkTuningWritable(join(home, 'kept', 'tuning.json'));
    expect(readdirSync(home)).toEqual(['kept']);
    // Under a file: refused, and nothing made.
    writeFileSync(join(home, 'afile'), '');
    expect(() => checkTuningWritable(join(home, 'afile', 'cfg', 'tuning.json'))).toThrow(/--save cannot write .*afile\/cfg\/tuning\.json: ENOTDIR/);
    expect(readdirSync(home).sort()).toEqual(['afile', 'kept']);
  });

  it('with SHARDSCAN_CONFIG_DIR under /proc: one line, exit 2 (it hung in Node\'s recursive mkdir)', async () => {
    const r = await bench(['--target', '127.0.0.1', '-p', '1', '--runs', '1', '--save', '--out', join(scratchDir(), 'out')], undefined, { SHARDSCAN_CONFIG_DIR: '/proc/shardscan-none/cfg' });
    expect(r.code).toBe(2);
    // A busy machine gets a note first; the refusal is the last line.
    expect(r.stderr).toMatch(/^bench: --save cannot write \/proc\/shardscan-none\/cfg\/tuning\.json: ENOENT; set SHARDSCAN_CONFIG_DIR to a writable directory \(see npm run bench -- --help\)\n$/m);
    expect(r.stderr).not.toMatch(/scanning|\n\s+at /);
  });
});

describe('npm run profile: its command line', () => {
  const PROFILE = resolve(import.meta.dirname, '../dist/bench/profile.js');
  const profile = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [PROFILE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // --help ran the whole profile (minutes of clinic); a hang here fails the test, not the suite.
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => (clearTimeout(killer), done({ code, stdout, stderr })));
    });

  it('--help prints the usage and profiles nothing', async () => {
    const r = await profile(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run profile\n/);
    expect(r.stderr).toBe('');
  });

  it('a scan that fails is said before any clinic run, and leaves no report directory (doctor and flame were reported done)', async () => {
    const home = scratchDir();
    mkdirSync(join(home, 'config'));
    // The profiler reads it; the CLI refuses it (workers ≤ 256).
    writeFileSync(join(home, 'config', 'tuning.json'), JSON.stringify({ workers: 300, concurrency: 5, measuredAt: '2026-01-01T00:00:00.000Z' }));
    const results = resolve(import.meta.dirname, '../results/profile');
    const before = existsSync(results) ? readdirSync(results) : [];
    const r = await profile([], { SHARDSCAN_CONFIG_DIR: join(home, 'config') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^profile: the scan failed, nothing profiled: /m);
    expect(r.stderr).not.toMatch(/clinic (doctor|flame):/);
    expect(existsSync(results) ? readdirSync(results) : []).toEqual(before);
  });

  it('without clinic installed: one line that says to run npm ci, before any scan (it was a spawn ENOENT after one)', async () => {
    // A copy of the package whose node_modules has everything but clinic.
    const root = resolve(import.meta.dirname, '..');
    const pkg = scratchDir();
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
    for (const d of ['data', 'schemas']) symlinkSync(join(root, d), join(pkg, d));
    mkdirSync(join(pkg, 'node_modules', '.bin'), { recursive: true });
    for (const m of readdirSync(join(root, 'node_modules'))) if (m !== '.bin' && m !== 'clinic') symlinkSync(join(root, 'node_modules', m), join(pkg, 'node_modules', m));
    const r = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, [join(pkg, 'dist', 'bench', 'profile.js')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('close', (code) => (clearTimeout(killer), done({ code, stderr })));
    });
    expect(r.stderr).toBe(`profile: clinic is not installed (${join(pkg, 'node_modules', '.bin', 'clinic')} is missing): run npm ci in ${pkg}\n`);
    expect(r.code).toBe(1);
    expect(existsSync(join(pkg, 'results'))).toBe(false);
  });

  it('an option is refused in one line, exit 2', async () => {
    const r = await profile(['--quick']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("profile: it takes no options, got '--quick' (see npm run profile -- --help)\n");
  });
});
