/**
 * Target and exclude lists as text: split into tokens (commas and spaces, as
 * nmap and masscan read them), and read from a file or stdin line by line,
 * keeping where each token came from for the refusal that names it.
 */
import { ShardscanError, quote } from '../errors.js';
import { isStdinTerminal, readProblem, readTextCapped, utf16Why } from '../files.js';
import { parseIPv4Span } from './ip.js';

/** Four dotted fields of digits, ranges, `*` and commas: nmap's octet form ("127.0.0.1,5", "127.0.3,7.1-9"). */
const OCTET_LIST = /^[\d*,-]+\.[\d*,-]+\.[\d*,-]+\.[\d*,-]+$/;

/**
 * Split "a,b  c\nd" into tokens. A comma separates targets (masscan's
 * "127.0.0.1,127.0.0.2"), except inside a four-field octet form, where it
 * lists values of one octet as in nmap ("127.0.0.1,5" is .1 and .5), and
 * before a bare octet, which lists values of the last octet before it
 * ("127.0.0.1,127.0.0.5,9" is .1, .5 and .9).
 */
export function splitList(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (!word.includes(',') || (OCTET_LIST.test(word) && !/(^|\.),|,($|\.)|,,/.test(word))) {
      out.push(word);
      continue;
    }
    let last = '';
    for (const t of word.split(',')) {
      if (t === '') continue;
      // "127.0.0.1,127.0.0.5,9": a bare octet after an IPv4 form lists values of its last octet.
      if (/^[\d*-]+$/.test(t) && OCTET_LIST.test(last)) out[out.length - 1] = last = `${last},${t}`;
      else out.push((last = t));
    }
  }
  return out;
}

/** The largest target or exclude list read (a file or stdin): ~26M lines of "127.0.0.1". */
export const MAX_LIST_BYTES = 256 << 20;

/** A target or exclude list's text (a file, or stdin for "-"). */
export function readListText(path: string, what: string): string {
  // Reading a terminal would wait for Ctrl+D with Ctrl+C caught (the CLI's first Ctrl+C only asks a scan to stop).
  if (path === '-' && isStdinTerminal()) throw new ShardscanError('E_INPUT_FILE', `cannot read the ${what} list from stdin: it is a terminal; pipe it in, e.g. ${what === 'target' ? 'cat list.txt | shardscan -iL -' : 'cat skip.txt | shardscan 127.0.0.0/24 --exclude-file -'}`);
  let text: string;
  try {
    text = readTextCapped(path === '-' ? 0 : path, MAX_LIST_BYTES);
  } catch (err) {
    throw new ShardscanError('E_INPUT_FILE', `cannot read ${what} file '${quote(path)}': ${readProblem(err)}`);
  }
  const why = utf16Why(text);
  if (why !== null) {
    const name = path === '-' ? 'stdin' : `'${quote(path)}'`;
    throw new ShardscanError('E_INPUT_FILE', `the ${what} list ${name} is UTF-16 (${why}); save it as UTF-8 or ASCII, e.g. iconv -f UTF-16 -t UTF-8`);
  }
  return text;
}

/**
 * The tokens of a list's text, line by line (`#` comments to the end of a
 * line). A generator: a list of a million lines is never a million strings
 * at once (with every line split first, a 1M-line -iL took ~240 MB more).
 * With `onIPv4`, a line that is one IPv4 address goes to it as a number
 * instead, and `where.line` is still its line.
 */
export function* listTokens(text: string, where?: ListPlace, onIPv4?: (address: number) => void): Generator<string> {
  let n = 0;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    n++;
    if (where) where.line = n;
    if (onIPv4) {
      // A line that is one IPv4 address (masscan's and ZMap's lists): its number, with no string made for it.
      let s = at;
      let e = end;
      while (s < e && isBlank(text.charCodeAt(s))) s++;
      while (e > s && isBlank(text.charCodeAt(e - 1))) e--;
      const address = parseIPv4Span(text, s, e);
      if (address !== null) {
        at = end + 1;
        onIPv4(address);
        continue;
      }
    }
    let line = text.slice(at, end);
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    at = end + 1;
    if (line.trim() !== '') yield* splitList(line);
  }
}

/** Space, tab or CR (a CRLF file's line end). */
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 13;

/** Where the token a list yielded last came from: its file ("-": stdin) and line; file null for the command line. */
export interface ListPlace {
  file: string | null;
  line: number;
}

/**
 * A refusal of a token read from a list file, with the file and line it came
 * from: "bad target '127.0.0.500'" in a million-line -iL list did not say
 * where to look.
 */
export function placed(err: unknown, where: ListPlace | undefined): unknown {
  if (where === undefined || where.file === null) return err;
  return prefixed(err, `${where.file === '-' ? 'stdin' : `'${quote(where.file)}'`} line ${where.line}`);
}

/** A refusal with where its input came from in front ("config file 'c.json': \"targets\": bad target …"); anything else as it is. */
export function prefixed(err: unknown, source: string): unknown {
  if (!(err instanceof ShardscanError)) return err;
  return new ShardscanError(err.code, `${source}: ${err.message}`, err.cause === undefined ? undefined : { cause: err.cause });
}

/** The positional targets, then a list file's tokens, one at a time (`where`: the file and line of the last). */
export function* allTokens(given: readonly string[], file: string | undefined, what: string, where: ListPlace, onIPv4: (address: number) => void): Generator<string> {
  for (const t of given) yield* splitList(t);
  if (!file) return;
  const text = readListText(file, what);
  where.file = file;
  yield* listTokens(text, where, onIPv4);
}
