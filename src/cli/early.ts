/**
 * A cheap guess, before the command line is parsed, of how many workers the
 * scan will want, so the pool can boot while the rest loads. A wrong guess
 * only costs a pool restart: runScan checks the size.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { tuningPath } from '../config/tuning.js';

const NO_POOL = new Set(['merge', 'validate', '--help', '-h', '--version', 'help']);

/** Worker count the scan will probably use, or null when the command does not scan. */
export function guessWorkers(argv: readonly string[]): number | null {
  if (argv.length === 0 || NO_POOL.has(argv[0]!) || argv.includes('--help') || argv.includes('--version')) return null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--workers=(\d+)$/.exec(a);
    if (m) return Number(m[1]);
    if ((a === '--workers' || a === '-w') && /^\d+$/.test(argv[i + 1] ?? '')) return Number(argv[i + 1]);
  }
  try {
    const t = JSON.parse(readFileSync(tuningPath(), 'utf8')) as { workers?: unknown };
    if (Number.isInteger(t.workers) && (t.workers as number) > 0) return t.workers as number;
  } catch (err) {
    void err; // no saved tuning (the usual case): fall back to the core count
  }
  return availableParallelism();
}
