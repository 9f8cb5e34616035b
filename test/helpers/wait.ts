import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT, recordsFileName } from '../../src/store/outdir.js';

/** Complete records in a shard directory's records file so far (0 before it exists): a running scan's progress. */
export function recordsIn(dir: string | null): number {
  if (dir === null) return 0;
  const file = join(dir, recordsFileName({ index: 1, total: 1 }));
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
  return dir !== null && existsSync(join(dir, CHECKPOINT));
}

/** The one scan directory a run made in the state directory runCli gives it (`cwd`/.state), or null before there is one. */
export function stateScanDir(cwd: string): string | null {
  const state = join(cwd, '.state');
  const dirs = existsSync(state) ? readdirSync(state) : [];
  return dirs.length === 1 ? join(state, dirs[0]!) : null;
}

/**
 * Call `act` once `ok` holds while `child` runs: evidence that the run got as far as the test needs, not a fixed
 * time that a loaded machine's start-up can outrun. Polling stops when the child exits; a wait longer than `ms` is
 * a SIGKILL, so the exit code says so.
 */
export function whenRunning(child: ChildProcess, ok: () => boolean, act: () => void, ms = 15_000): void {
  const until = Date.now() + ms;
  const poll = setInterval(() => {
    if (ok()) act();
    else if (Date.now() > until) child.kill('SIGKILL');
    else return;
    clearInterval(poll);
  }, 10);
  child.once('exit', () => clearInterval(poll));
}

/** Send `signal` once `ok` holds (whenRunning); resolves with performance.now() at the send, NaN if none was sent. */
export function signalWhen(child: ChildProcess, ok: () => boolean, signal: NodeJS.Signals, ms = 15_000): Promise<number> {
  return new Promise<number>((resolve) => {
    child.once('exit', () => resolve(Number.NaN)); // after a send this changes nothing: a promise settles once
    whenRunning(
      child,
      ok,
      () => {
        resolve(performance.now());
        child.kill(signal);
      },
      ms,
    );
  });
}
