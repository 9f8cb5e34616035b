/**
 * Tuned defaults saved by `npm run bench -- --save`:
 * the fastest --workers/--concurrency that kept 100 % accuracy on this machine.
 * Kept per user, like other tools' rc files, under $SHARDSCAN_CONFIG_DIR or
 * $XDG_CONFIG_HOME/shardscan (default ~/.config/shardscan).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ShardscanError, errnoCode, jsonProblem, messageOf } from '../errors.js';
import { MAX_SMALL_FILE_BYTES, makeDirs, readProblem, readTextCapped, utf16Why } from '../files.js';
import { cores } from './limits.js';

export interface Tuning {
  workers: number;
  concurrency: number;
  measuredAt: string;
  /** The cores of the machine it was measured on (absent in a file saved before they were kept). */
  cores?: number;
  /** The file it was read from (not stored). */
  source: string;
}

/** What a tuning file holds (saveTuning writes them). */
const TUNING_KEYS: readonly string[] = ['workers', 'concurrency', 'measuredAt', 'cores'];

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHARDSCAN_CONFIG_DIR) return env.SHARDSCAN_CONFIG_DIR;
  // The spec ignores a relative XDG_CONFIG_HOME (as stateDir does XDG_STATE_HOME): the bench run from the
  // package root saved its tuning inside the repository, and the CLI run from anywhere else never found it.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config');
  return join(base, 'shardscan');
}

export function tuningPath(): string {
  return join(configDir(), 'tuning.json');
}

/**
 * The saved tuning, or null when there is none. A damaged file is an error,
 * not silently ignored. Read as a --config file is (capped, and a FIFO's wait
 * ends on Ctrl+C): a FIFO there held every scan past Ctrl+C, and a 3 GB file
 * took 36 s and 4.25 GB of memory before it was refused.
 */
export function loadTuning(path = tuningPath()): Tuning | null {
  let text: string;
  try {
    text = readTextCapped(path, MAX_SMALL_FILE_BYTES);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw new ShardscanError('E_CONFIG', `cannot read tuned defaults '${path}': ${readProblem(err)}`);
  }
  // As a --config file's: a UTF-16 file was "damaged (Unexpected token '\ufffd')".
  const utf16 = utf16Why(text);
  if (utf16 !== null) throw new ShardscanError('E_CONFIG', `tuned defaults '${path}' are UTF-16 (${utf16}); save the file as UTF-8 (iconv -f UTF-16 -t UTF-8), delete it, or run npm run bench -- --save`);
  try {
    // A BOM (an editor's) is accepted, as in --config files; null or an array is damaged, not a TypeError.
    text = text.replace(/^\uFEFF/, '');
    const t = JSON.parse(text) as Partial<Tuning> | null;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new Error('not a JSON object');
    // A hand-added setting was ignored in silence (a --config file names an unknown key): this file holds the bench's four.
    const unknown = Object.keys(t).find((k) => !TUNING_KEYS.includes(k) && k !== 'source'); // 'source': written by early versions
    if (unknown !== undefined) throw new Error(`unknown key '${JSON.stringify(unknown).slice(1, -1).slice(0, 40)}': it holds ${TUNING_KEYS.join(', ')}; other settings go in a --config file`);
    if (!Number.isInteger(t.workers) || !Number.isInteger(t.concurrency) || t.workers! < 1 || t.concurrency! < 1) {
      throw new Error('workers and concurrency must be positive integers');
    }
    // Printed in a note: a date, not whatever the file holds (control characters, new lines).
    const measuredAt = typeof t.measuredAt === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(t.measuredAt) ? t.measuredAt : 'unknown';
    const cores = Number.isInteger(t.cores) && t.cores! >= 1 ? { cores: t.cores! } : {};
    return { workers: t.workers!, concurrency: t.concurrency!, measuredAt, ...cores, source: path };
  } catch (err) {
    throw new ShardscanError('E_CONFIG', `tuned defaults '${path}' are damaged (${err instanceof SyntaxError ? jsonProblem(err, text) : messageOf(err)}); delete the file or run npm run bench -- --save`);
  }
}

/** Save tuned defaults, with this machine's cores (a copy on another machine is then named as such). */
export function saveTuning(t: Omit<Tuning, 'source' | 'cores'>, path = tuningPath()): string {
  makeDirs(join(path, '..'));
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ workers: t.workers, concurrency: t.concurrency, measuredAt: t.measuredAt, cores: cores() }, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}
