/** Small filesystem helpers shared by the CLI, the shard directory and the tuning file. */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { errnoCode, messageOf } from './errors.js';

/**
 * mkdir -p, one level at a time. Node 20's recursive mkdirSync spins forever
 * (100 % CPU, found by a test) when the kernel answers ENOENT for a parent that
 * exists, as /proc does; plain mkdir reports that error. A part that exists
 * but is not a directory (a file, /dev/null) fails here with ENOTDIR, not
 * later at the first file written under it. `made` collects the directories
 * it created, outermost first, also when it fails partway (so a caller that
 * only checks can remove them again).
 */
export function makeDirs(dir: string, made: string[] = []): void {
  const parts = resolve(dir).split(sep).filter(Boolean);
  let path: string = sep;
  for (const part of parts) {
    path = join(path, part);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st !== undefined) throw Object.assign(new Error(`ENOTDIR: not a directory, '${path}'`), { code: 'ENOTDIR' });
    try {
      mkdirSync(path);
      made.push(path);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
}

/** Block this thread for `ms`: a descriptor left non-blocking by the parent (EAGAIN) is waited for in place. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A text file read whole, up to `maxBytes`: past it, an error with code
 * EFBIG. readFileSync read /dev/zero (or a runaway generator) until memory
 * ran out, with no Ctrl+C while it did (16.8 GB RSS, then std::bad_alloc).
 * `fd` 0 reads stdin; EAGAIN (a pipe left non-blocking) waits and goes on.
 */
export function readTextCapped(path: string | 0, maxBytes: number): string {
  return mayBlock(path) ? blockingReads(() => readAll(path, maxBytes)) : readAll(path, maxBytes);
}

/**
 * Whether reading `path` may wait on another process: a FIFO (its open waits
 * for a writer), a pipe or a terminal on stdin, a character device. A regular
 * file or a name that does not exist never waits (the open reports it).
 */
function mayBlock(path: string | 0): boolean {
  try {
    const st = path === 0 ? fstatSync(0) : statSync(path, { throwIfNoEntry: false });
    return st !== undefined && !st.isFile() && !st.isDirectory();
  } catch {
    // Unreadable metadata (EACCES, ELOOP): the open below fails the same way and says so.
    return false;
  }
}

/** Runs a read that may block this thread; see guardBlockingReads. */
let blockingReads: <T>(read: () => T) => T = (read) => read();

/**
 * How reads that may block run from now on (a FIFO with no writer, `-iL -` from
 * a pipe that stays open). While this thread waits in open() or read(), no
 * JavaScript runs, so a SIGINT handler never would: the CLI sets a guard that
 * lets Ctrl+C end the process there, which the library leaves to its caller.
 */
export function guardBlockingReads(guard: <T>(read: () => T) => T): void {
  blockingReads = guard;
}

function readAll(path: string | 0, maxBytes: number): string {
  const fd = path === 0 ? 0 : openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 16);
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        if (errnoCode(err) !== 'EAGAIN') throw err;
        sleepSync(10);
        continue;
      }
      if (n === 0) return Buffer.concat(chunks, total).toString('utf8');
      total += n;
      if (total > maxBytes) throw Object.assign(new Error(`larger than ${maxBytes / (1 << 20)} MiB`), { code: 'EFBIG' });
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/**
 * Why a file's text is UTF-16, or null: a byte-order mark (FF FE or FE FF,
 * each byte invalid UTF-8, read as U+FFFD) with NUL bytes, or ASCII
 * alternating with NUL bytes from the first character (iconv -t UTF-16LE, some
 * exporters). Windows' "Unicode"; read as UTF-8 it is garbage that said
 * nothing of why ("bad target '\ufffd\ufffd1\u00002…'", "Unexpected token").
 */
export function utf16Why(text: string): string | null {
  if (text.startsWith('\ufffd\ufffd') && text.includes('\u0000')) return 'it starts with a UTF-16 byte-order mark';
  return /^(?:[\x01-\x7f]\u0000){2}|^(?:\u0000[\x01-\x7f]){2}/.test(text) ? 'NUL bytes between its characters' : null;
}

/** The largest config or blocklist file read: far above any real one. */
export const MAX_SMALL_FILE_BYTES = 16 << 20;

/**
 * Most bytes of a shard directory's manifest.json, written and read: a list read from stdin (-iL -, --exclude-file -)
 * is kept in it, and a 12 MB list made a 19 MB manifest that resume, validate, merge and status then could not read
 * (helper 21; it was read with the 16 MiB cap above). A scan whose manifest would be larger is refused before it starts.
 */
export const MAX_MANIFEST_BYTES = 64 << 20;

/** Why a file could not be read, in a word: its errno, or how large it was past the cap. */
export function readProblem(err: unknown): string {
  const code = errnoCode(err);
  return code === 'EFBIG' ? `${code}: ${messageOf(err)}` : (code ?? messageOf(err));
}

/** Whether stdin is a terminal; node:tty is loaded only when stdin is read: a scan that does not read it would pay for the module at every start. */
export function isStdinTerminal(): boolean {
  const { isatty } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return isatty(0);
}
