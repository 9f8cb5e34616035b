/**
 * One error class for every failure shardscan reports on purpose.
 *
 * `code` is stable (tests and the CLI match on it, never on prose); the message
 * is one line that quotes the bad token and, where it helps, shows the right form.
 */
import { jsonWhere } from './json-where.js';

/** Every failure kind, and whether it is the user's input (exit 2) or the run (exit 1). */
export const ERROR_KINDS = {
  E_TARGET: 'usage',
  E_PORT: 'usage',
  E_OPTION: 'usage',
  E_CONFIG: 'usage',
  E_RESOLVE: 'usage',
  E_INPUT_FILE: 'usage',
  E_OUTPUT: 'usage',
  E_TOO_LARGE: 'usage',
  E_BLOCKED: 'usage',
  E_CONFIRM: 'usage',
  E_MERGE: 'usage',
  E_RESUME: 'usage',
  // A shard-directory file that does not match its schema is damaged input, like a bad config file.
  E_SCHEMA: 'usage',
  E_IO: 'runtime',
  E_WORKER: 'runtime',
  E_FD_LIMIT: 'runtime',
  // Every connect failed on this machine for a while and nothing was decided (a source address gone, ...).
  E_STALLED: 'runtime',
  E_INTERNAL: 'runtime',
  // The library's scan() stopped (signal, stop()) before it could start: host names were still resolving.
  E_INTERRUPTED: 'runtime',
} as const;

export type ErrorCode = keyof typeof ERROR_KINDS;

/** A failure with a stable `code`; `message` is a single line meant for the user. */
export class ShardscanError extends Error {
  readonly code: ErrorCode;
  /** A sink's failure that leaves its directory consistent: one last checkpoint may be written at once (pool/ledger.ts lastCheckpoint). */
  readonly checkpointable: boolean;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; checkpointable?: boolean }) {
    // The CLI prints the message as one line: a quoted input must not break it.
    super(escapeControls(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShardscanError';
    this.code = code;
    this.checkpointable = options?.checkpointable === true;
  }

  /** True when the user's input or options are at fault (CLI exit status 2). */
  get isUsage(): boolean {
    return ERROR_KINDS[this.code] === 'usage';
  }
}

/** Narrow an unknown thrown value to a Node system error with an errno `code`. */
export function errnoCode(err: unknown): string | undefined {
  if (err instanceof ShardscanError) return undefined; // its code is ours, not an errno
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Control characters (newlines, NUL, escape sequences, U+2028) as visible escapes: \n, \u001b. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * A path as one shell word, for a command to copy ("continue with: shardscan
 * resume DIR"): quoted when it holds anything but plain characters, in
 * $'…' with escapes when it holds control characters (an --out-dir with an
 * escape sequence reached the terminal raw; one with a space was two words).
 */
export function shellWord(path: string): string {
  // "-dash" would be read as options (resume printed its help and exited 0): ./-dash is the same directory.
  const p = path.startsWith('-') ? `./${path}` : path;
  if (/^[\w@%+=:,./-]+$/.test(p)) return p;
  // A control character cannot be typed inside '…' ('nl\nx' named another directory): bash's $'…' takes escapes.
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(p)) return `$'${escapeControls(p.replace(/[\\']/g, '\\$&'))}'`;
  return `'${p.replaceAll("'", "'\\''")}'`;
}

/** "1 port", "2 ports": a count and its word, for messages. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Longest piece of user input an error message quotes. */
export const QUOTE_MAX = 48;

/**
 * A piece of user input fit to quote in a one-line error: control characters
 * escaped, and cut to QUOTE_MAX characters (a 10 kB token must not become a
 * 10 kB error line).
 */
export function quote(text: string): string {
  // Cut before escaping (escaping never shortens it): a 20 MB token of NULs, escaped whole, was
  // 120 M characters, and the process died out of heap with V8's stack trace instead of this line.
  let head = '';
  let n = 0;
  for (const c of text) {
    if (n++ > QUOTE_MAX) break;
    head += c;
  }
  const chars = [...escapeControls(head)];
  return chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX - 1).join('')}…` : chars.join('');
}

/**
 * What JSON.parse found wrong, without the piece of input V8 quotes
 * ("Unexpected token 'a', \"abc…\" is not valid JSON" → "Unexpected token 'a'";
 * a long input's piece was left in, between dots: `…'}', ..."  "rate": } " is not valid JSON`).
 * Given the text, it says where, as a line and column ("in JSON at position
 * 412" and "after JSON at position 37", with the " (line 1 column 38)" Node 21
 * adds, are dropped for it; most messages had no place at all).
 */
export function jsonProblem(err: unknown, text?: string): string {
  // V8 quotes the input whole, or a piece of it with "..." before, after, or both.
  const what = messageOf(err).replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '');
  if (text === undefined) return what;
  const where = jsonWhere(text);
  return where === '' ? what : `${what.replace(/ (in|after) JSON at position \d+( \(line \d+ column \d+\))?$/, '')}${where}`;
}

/** The message of anything thrown, on one line. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
