/**
 * Ctrl+C during `merge`: it was acknowledged and the merge went on, replacing
 * the -o file (exit 0); a second Ctrl+C left the staged `.NAME.shardscan-PID.tmp`
 * beside it. Now the first stops the merge (exit 130) with no report file put
 * in place, an existing one as it was; the second exits at once and still
 * removes the staged file. The merge is held on a full stdout pipe (the test
 * stops reading it), so the signal comes while it is mid-way.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

let cwd: string;

beforeAll(async () => {
  cwd = scratchDir();
  // 20,000 records: more than a pipe holds as NDJSON, so the merge waits on stdout.
  const scan = await runCli(['127.0.0.1', '-p', '1-20000', '--states', 'all', '--out-dir', 'd', '-q', '-f', 'ndjson', '-o', '/dev/null', '--seed', '1'], { cwd });
  expect(scan.code).toBe(0);
});

/** Merge into -oN out.txt and NDJSON on stdout, with stdout unread; `signals` Ctrl+Cs once it is under way, then read again. */
async function mergeInterrupted(signals: number) {
  writeFileSync(join(cwd, 'out.txt'), 'an earlier report\n');
  let child: ChildProcess | null = null;
  const done = runCli(['merge', 'd', '-f', 'ndjson', '-oN', 'out.txt'], { cwd, onSpawn: (c) => ((child = c), c.stdout!.pause()), killAfterMs: 30_000 });
  // Held once it has written to the unread stdout (a fixed 1.5 s sent the first SIGINT before a loaded machine had started the CLI,
  // which Node's default then ended with no status).
  const writing = (): boolean => (child?.stdout?.readableLength ?? 0) > 0;
  for (let waited = 0; waited < 20_000 && !writing(); waited += 50) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < signals; i++) {
    child!.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 500)); // a second Ctrl+C: one within 250 ms is the same (signals.ts SAME_STOP_MS)
  }
  child!.stdout!.resume();
  return done;
}

describe('merge and Ctrl+C', () => {
  it('the first Ctrl+C stops it: exit 130, no report file put in place, none staged left', async () => {
    const r = await mergeInterrupted(1);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^shardscan: merge interrupted: no report file was written, and an existing one is as it was; the report on stdout ends where it stopped\n$/m);
    expect(r.stdout.trim().split('\n').length).toBeLessThan(20_000);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('an earlier report\n');
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a second Ctrl+C exits at once, and the staged file goes too', async () => {
    const r = await mergeInterrupted(2);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted again, exiting now/);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toBe('an earlier report\n');
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an uninterrupted merge still puts the report in place', async () => {
    const r = await runCli(['merge', 'd', '-f', 'ndjson', '-oN', 'out.txt', '-o', '/dev/null'], { cwd });
    expect(r.code).toBe(0);
    expect(readFileSync(join(cwd, 'out.txt'), 'utf8')).toMatch(/^20000\/tcp /m);
  });
});
