import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Complete records in a shard directory's records file so far (0 before it exists): a running scan's progress. */
export function recordsIn(dir: string | null): number {
  if (dir === null) return 0;
  const file = join(dir, 'shard-1-of-1.ndjson');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

/** Poll `ok` every 20 ms until it holds; throws after `ms` (a test's wait for a file or a state another process makes). */
export async function waitFor(ok: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a shard directory holds its first checkpoint, which a scan writes as it starts (its signal handlers are installed). */
export function checkpointIn(dir: string | null): boolean {
  return dir !== null && existsSync(join(dir, 'checkpoint.json'));
}

/** The one scan directory a run made in the state directory runCli gives it (`cwd`/.state), or null before there is one. */
export function stateScanDir(cwd: string): string | null {
  const state = join(cwd, '.state');
  const dirs = existsSync(state) ? readdirSync(state) : [];
  return dirs.length === 1 ? join(state, dirs[0]!) : null;
}

/**
 * Send `signal` once `ok` holds: evidence that the run got as far as the test needs, not a fixed time that a
 * loaded machine's start-up can outrun. A wait that never ends is a SIGKILL, so the exit code says so.
 * Resolves with performance.now() at the send (NaN after a SIGKILL).
 */
export function signalWhen(child: ChildProcess, ok: () => boolean, signal: NodeJS.Signals, ms = 15_000): Promise<number> {
  return waitFor(ok, ms).then(
    () => {
      const at = performance.now();
      child.kill(signal);
      return at;
    },
    () => {
      child.kill('SIGKILL');
      return Number.NaN;
    },
  );
}
