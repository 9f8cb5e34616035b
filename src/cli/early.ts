/**
 * A cheap guess, before the command line is parsed, of how many workers the
 * scan will want, so the pool can boot while the rest loads. A wrong guess
 * only costs a pool restart: runScan checks the size.
 */
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { SMALL_SCAN } from '../config/limits.js';
import { tuningPath } from '../config/tuning.js';
import { defaultChunkSize, planShard, threadsFor } from '../shard/plan.js';
import { takesNoValue } from './spellings.js';

const NO_POOL = new Set(['merge', 'validate', 'status', '--help', '-h', '--version', 'help']);

/** The most workers a scan may have (--workers; also schemas/config.schema.json). */
export const MAX_WORKERS = 256;

/** A worker count the pool may be started with before the command line is checked. */
const poolSize = (n: unknown): number | null => (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS ? n : null);

/** Ports a -p spec names, at most: Infinity for open ranges ("1000-", "-"); a service name, the whole built-in list (1,000). */
function portCount(spec: string): number {
  let n = 0;
  for (const raw of spec.split(',')) {
    const part = raw.trim().replace(/^T:/i, '');
    if (/^[a-z*?]/i.test(part)) {
      n += 1000;
      continue;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return Infinity;
    n += m[2] === undefined ? 1 : Math.max(1, Number(m[2]) - Number(m[1]) + 1);
  }
  return n;
}

/**
 * True when the command line surely asks for a small scan (single addresses ×
 * a few ports): then no pool is started early. Anything unclear (a network, a
 * range, an input file, a config file) is not small: a wrong "small" costs a
 * pool boot later, a wrong "not small" only a pool started for nothing.
 */
export function looksSmall(argv: readonly string[]): boolean {
  return smallScanSize(argv) !== null;
}

/** The most positions a surely small scan has (see looksSmall), or null. */
function smallScanSize(argv: readonly string[]): number | null {
  let hosts = 0;
  let ports = 1000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-p-' || a === '-iL' || a.startsWith('--input-file') || a.startsWith('--config') || a === 'resume') return null;
    let value: string | undefined;
    if (a === '-p' || a === '--ports' || a === '--top-ports') value = argv[++i];
    else if (a.startsWith('--ports=') || a.startsWith('--top-ports=')) value = a.slice(a.indexOf('=') + 1);
    else if (/^-p\d/.test(a)) value = a.slice(2);
    if (value !== undefined) {
      ports = a.includes('top-ports') ? Number(value) || Infinity : portCount(value);
      continue;
    }
    if (a.startsWith('-')) {
      if (!a.includes('=') && !takesNoValue(a)) i++; // skip the option's value
      continue;
    }
    for (const t of a.split(',')) {
      if (t === '') continue;
      // A single address or name: no CIDR, no range, no wildcard.
      if (/[/*]|\d-\d/.test(t)) return null;
      hosts++;
    }
  }
  return hosts > 0 && hosts * ports <= SMALL_SCAN ? hosts * ports : null;
}

/** Worker count the scan will probably use, or null when the command does not scan (or scans too little for threads). */
export function guessWorkers(argv: readonly string[]): number | null {
  if (argv.length === 0 || NO_POOL.has(argv[0]!) || argv.includes('--help') || argv.includes('--version')) return null;
  const explicit = argv.some((a) => a === '--workers' || a === '-w' || a.startsWith('--workers='));
  const small = smallScanSize(argv);
  if (!explicit && small !== null) return null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // Out of range: no early pool (a huge -w once started threads until the process was killed); the parser says why.
    const m = /^--workers=(\d+)$/.exec(a);
    const given = m ? Number(m[1]) : (a === '--workers' || a === '-w') && /^\d+$/.test(argv[i + 1] ?? '') ? Number(argv[i + 1]) : null;
    if (given === null) continue;
    const size = poolSize(given);
    // No more threads than the scan has chunks (threadsFor, as runScan sizes the pool): an unsharded plan of at most `small` positions.
    return size === null || small === null ? size : threadsFor(planShard(small, { index: 1, total: 1 }, defaultChunkSize(small, size)), size);
  }
  // A config file's "workers" before the saved tuning's, as the scan reads them: a tuning of 64 booted 64 threads
  // (2.4 s, 650 MB) for a 3,000-port scan whose config said 2. Neither for resume (the manifest's count; the tuning is
  // not read) or a config on stdin (not read here). Never more than the cores, unasked: a tuning copied from a 64-core
  // machine booted 64 threads for a small scan (2 s, 650 MB), and a scan that wants more restarts the pool.
  const cores = availableParallelism();
  const config = configArg(argv);
  if (argv.includes('resume') || config === '-') return cores;
  return Math.min(cores, workersIn(config) ?? workersIn(tuningPath()) ?? cores);
}

/** The --config file the command line names ('-': stdin), or null. */
function configArg(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const file = a.startsWith('--config=') ? a.slice('--config='.length) : a === '--config' ? argv[i + 1] : undefined;
    if (file !== undefined) return file === '' ? null : file;
  }
  return null;
}

/** A JSON file's "workers", if it is a small regular file that gives a pool size; else null (the scan says what is wrong). */
function workersIn(path: string | null): number | null {
  if (path === null || path === '-') return null;
  try {
    // Only a small regular file: a FIFO would wait here, before Ctrl+C is handled, and a huge file fill memory (the scan refuses both).
    const st = statSync(path, { throwIfNoEntry: false });
    if (st === undefined || !st.isFile() || st.size > 65_536) return null;
    const text = readFileSync(path, 'utf8');
    return poolSize((JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as { workers?: unknown }).workers);
  } catch (err) {
    void err; // no such file (the usual case for the tuning), or none the scan will accept
    return null;
  }
}
