/**
 * Machine limits that shape the defaults: cores, and the file-descriptor limit
 * that caps how many connects may be in flight at once.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * The soft RLIMIT_NOFILE of this process (Node raises soft to hard at start-up).
 * SHARDSCAN_FD_LIMIT overrides it: to test the EMFILE path, or where /proc lies.
 */
export function fdLimit(): number {
  const forced = Number(process.env.SHARDSCAN_FD_LIMIT);
  if (Number.isInteger(forced) && forced > 0) return forced;
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (m) return m[1] === 'unlimited' ? 1 << 20 : Number(m[1]);
  } catch (err) {
    void err; // not Linux: fall through to the conservative POSIX default below
  }
  return 1024;
}

/** Descriptors kept back for stdio, output files, the pool's message ports and the fixtures of a test. */
export const FD_RESERVE = 64;

/** Most connects that may be in flight in total with this descriptor limit and worker count. */
export function maxConcurrency(limit: number, workers: number): number {
  return Math.max(workers, Math.floor((limit - FD_RESERVE - 8 * workers) * 0.8));
}

export function cores(): number {
  return availableParallelism();
}
