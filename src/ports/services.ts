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
  const glob = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${glob}$`, 'i');
  const out: number[] = [];
  for (const [port, name] of load().names) if (re.test(name)) out.push(port);
  return out.sort((a, b) => a - b);
}

/** Service name for a port, or `unknown`. */
export function serviceName(port: number): string {
  return load().names.get(port) ?? 'unknown';
}
