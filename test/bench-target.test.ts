/**
 * `npm run bench -- --target ADDR -p PORTS`: tuning against a user's target.
 * The whole bench runs inside a lab's scanner namespace, so its target is a
 * lab host (198.18.1.1 behind a 10 ms RTT relay) and nothing it sends can
 * leave the lab; the refusals run there too. Needs root, iproute2, nftables
 * and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { validator } from '../src/schemas.js';
import type { BenchDocument } from '../bench/types.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();
const BENCH = resolve(import.meta.dirname, '../dist/bench/main.js');
const HOST = '198.18.1.1';
const OPEN = sample(Array.from({ length: 500 }, (_, i) => i + 1), 6, rng(5));

describe.skipIf(skip)('bench --target against a lab host', () => {
  let lab: Lab;
  const out = mkdtempSync(join(tmpdir(), 'shardscan-bench-target-'));
  const config = join(out, 'config');

  /** Run the bench inside the scanner namespace. */
  function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const [cmd, argv] = lab.argv(process.execPath, [BENCH, ...args]);
    const child = spawn(cmd, argv, { env: { ...process.env, SHARDSCAN_CONFIG_DIR: config }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise((done) => child.on('close', (code) => (clearTimeout(killer), done({ code, stdout, stderr }))));
  }

  beforeAll(async () => {
    expect(existsSync(BENCH), `${BENCH} is missing: run npm run build`).toBe(true);
    lab = await Lab.create({ delayMs: 5, hosts: [HOST], seed: 3 });
    await lab.listen(HOST, OPEN);
  });
  afterAll(async () => {
    await lab?.destroy();
    rmSync(out, { recursive: true, force: true });
  });

  it('measures every setting, agrees on the opens, recommends one and --save acts on it', async () => {
    const r = await bench(['--target', HOST, '-p', '1-500', '--runs', '2', '--out', out, '--save']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/scan only networks you are allowed to scan/);
    const json = readdirSync(out).filter((f) => f.endsWith('.json'));
    expect(json).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(out, json[0]!), 'utf8')) as BenchDocument;
    const validate = validator('bench');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const t = doc.target!;
    expect(t.addresses).toBe(1);
    expect(t.portCount).toBe(500);
    expect(t.opens).toBe(OPEN.length);
    expect(t.settings.map((s) => s.label).slice(0, 3)).toEqual(['defaults', 'half window', 'quarter window']);
    // A clean lab loses nothing: every setting finds every open and closed port in every run.
    for (const s of t.settings) {
      expect(s.runs, s.label).toHaveLength(2);
      for (const run of s.runs) expect(run.counts.open + run.counts.closed, s.label).toBe(500);
      expect(s.missingOpens, s.label).toBe(0);
      expect(s.missingClosed, s.label).toBe(0);
      expect(s.safe, s.label).toBe(true);
    }
    expect(t.settings[1]!.concurrency).toBe(Math.max(t.settings[0]!.workers, t.settings[0]!.concurrency >> 1));
    const picked = t.settings.find((s) => s.label === t.recommended)!;
    expect(picked, t.recommended).toBeDefined();
    const tuning = join(config, 'tuning.json');
    if (t.recommended === 'defaults') {
      expect(existsSync(tuning)).toBe(false);
    } else {
      const saved = JSON.parse(readFileSync(tuning, 'utf8')) as { workers: number; concurrency: number };
      expect(saved).toMatchObject({ workers: picked.workers, concurrency: picked.concurrency });
    }
    expect(r.stdout).toMatch(/Recommended: /);
  }, 70_000);

  it('a target where nothing answers recommends nothing, and --save keeps the tuning there is (it stored one picked on noise)', async () => {
    const tuning = join(config, 'tuning.json');
    mkdirSync(config, { recursive: true });
    writeFileSync(tuning, JSON.stringify({ workers: 1, concurrency: 2048, measuredAt: '2026-11-24T00:00:00Z' }));
    const before = readFileSync(tuning, 'utf8');
    // A dead address of the lab: its SYNs vanish.
    const r = await bench(['--target', '198.18.1.2', '-p', '22,80,443', '--runs', '1', '--out', out, '--save']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Recommended: none: nothing answered: no port was open or closed in any run/);
    expect(readFileSync(tuning, 'utf8')).toBe(before);
    rmSync(tuning);
  }, 70_000);

  it.each([
    [['--target', '198.18.0.0/16', '-p', '80'], /65,536 addresses.*--yes/],
    [['--target', HOST], /needs -p PORTS/],
    [['--target', 'no_such_host!', '-p', '80'], /bad target/],
    // The bench has no --no-blocklist, which the refusal suggested.
    [['--target', '224.0.0.1', '-p', '80'], /^bench: --target '224\.0\.0\.1' is on the blocklist: 224\.0\.0\.1 \(multicast.*; tune against a host you may scan/],
    [['--target', HOST, '-p', '0-2'], /bad port list/],
    [['-p', '80'], /go with --target/],
    [['--target', HOST, '-p', '80', '--quick', '--seed', '3'], /^bench: --target tunes against one target; it does not take --quick, --seed \(/],
  ])('refuses %j with exit 2 before any scan', async (args, message) => {
    const r = await bench([...args, '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
  });
});
