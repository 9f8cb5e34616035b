/** Run the built CLI in a child process, in a scratch directory, with no saved tuning and its own state directory. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Every scratch directory this test file made; removed when the file's tests end. */
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function scratchDir(prefix = 'shardscan-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Kill the child after this long (a hung CLI fails the test instead of the suite). */
  killAfterMs?: number;
  /** Wrap in a shell command, e.g. "ulimit -n 256; exec" or "ip netns exec NS". */
  prefix?: string;
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const cwd = opts.cwd ?? scratchDir();
  // Saved tuning and shard directories (the state directory) per scratch directory, never the user's.
  const env = { ...process.env, SHARDSCAN_CONFIG_DIR: join(cwd, '.config'), SHARDSCAN_STATE_DIR: join(cwd, '.state'), ...opts.env };
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = opts.prefix
    ? spawn('bash', ['-c', `${opts.prefix} ${quoted}`], { cwd, env })
    : spawn(process.execPath, [CLI, ...args], { cwd, env });
  const t0 = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  opts.onSpawn?.(child);
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 50_000);
  return new Promise((resolvePromise) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Parse NDJSON output into objects. */
export function ndjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
