/**
 * The built-in ranked list of common TCP ports (data/tcp-ports.tsv): it drives
 * --top-ports and the service column. See data/README.md for where it comes from.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../paths.js';

interface ServiceTable {
  ranked: Uint16Array;
  names: Map<number, string>;
}

let table: ServiceTable | undefined;

function load(): ServiceTable {
  if (table) return table;
  const text = readFileSync(packagePath('data', 'tcp-ports.tsv'), 'utf8');
  const ranked: number[] = [];
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [, port, name] = line.split('\t');
    const p = Number(port);
    ranked.push(p);
    if (name && name !== 'unknown') names.set(p, name);
  }
  if (ranked.length < 1000) throw new Error(`data/tcp-ports.tsv holds ${ranked.length} ports, expected at least 1000`);
  return (table = { ranked: Uint16Array.from(ranked), names });
}

/** The N most common TCP ports, most common first. */
export function topPorts(n: number): Uint16Array {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`topPorts: ${n} is not a count of ports (an integer, 0 or more)`);
  return load().ranked.slice(0, n);
}

/** How many ranked ports the built-in list holds. */
export function rankedPortCount(): number {
  return load().ranked.length;
}

/**
 * The listed ports whose service name matches `pattern` (nmap's `-p http,ssh`
 * and `-p 'http*'`): case-insensitive, `*` and `?` as wildcards, ascending.
 */
export function portsNamed(pattern: string): number[] {
  const glob = pattern.toLowerCase();
  const out: number[] = [];
  for (const [port, name] of load().names) if (globMatch(glob, name.toLowerCase())) out.push(port);
  return out.sort((a, b) => a - b);
}

/**
 * Whether `text` matches `glob` (`*` any run, `?` any one character): the
 * linear two-pointer match, with no regular expression. A RegExp built from
 * the pattern failed on tokens of 32,768 characters ("Invalid regular
 * expression", an internal error) and backtracked without end on many stars.
 */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === text[t])) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = t;
    } else if (star >= 0) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** Service name for a port, or `unknown`. */
export function serviceName(port: number): string {
  return load().names.get(port) ?? 'unknown';
}
