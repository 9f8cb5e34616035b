/**
 * Port specifications → PortSet: "22,80,1000-2000", "-" (all), "-1024",
 * "60000-", service names ("http,ssh", "http*"), --top-ports N, --exclude-ports.
 */
import { ShardscanError, plural, quote } from '../errors.js';
import { portsNamed, rankedPortCount, topPorts } from './services.js';

/** A sorted set of distinct TCP ports with `count`, `at(i)` and `indexOf`. */
export class PortSet {
  readonly ports: Uint16Array;
  constructor(ports: Uint16Array) {
    this.ports = ports;
  }
  get count(): number {
    return this.ports.length;
  }
  at(i: number): number {
    if (!(Number.isInteger(i) && i >= 0 && i < this.ports.length)) throw new RangeError(`PortSet.at: ${i} is not an index of this set of ${this.ports.length} ports`);
    return this.ports[i]!;
  }
  indexOf(port: number): number {
    for (let lo = 0, hi = this.ports.length - 1; lo <= hi; ) {
      const mid = (lo + hi) >>> 1;
      const v = this.ports[mid]!;
      if (port < v) hi = mid - 1;
      else if (port > v) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
  /** Compact text form, e.g. "22,80,1000-2000", for summaries. */
  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.ports.length; ) {
      let j = i;
      while (j + 1 < this.ports.length && this.ports[j + 1] === this.ports[j]! + 1) j++;
      parts.push(i === j ? `${this.ports[i]}` : `${this.ports[i]}-${this.ports[j]}`);
      i = j + 1;
    }
    return parts.join(',');
  }
}

/** `flag`: the option the list came from, named in the refusal (an --exclude-ports list was called "bad port list" with a -p example). */
function badList(spec: string, token: string, why: string, flag = '-p'): ShardscanError {
  const example = flag === '-p' ? '-p 22,80,1000-2000 (or -p- for all)' : `${flag} 22,80,1000-2000`;
  return new ShardscanError('E_PORT', `bad ${flag === '-p' ? 'port list' : flag} '${quote(spec)}' at '${quote(token)}': ${why}. Example: ${example}`);
}

/** Mark the ports named by a list like "22,80,1000-2000" in `into` (index = port). */
function markList(spec: string, into: Uint8Array, flag = '-p'): void {
  const bad = (s: string, t: string, why: string): ShardscanError => badList(s, t, why, flag);
  // One trailing comma ends the list, as nmap reads it (-p 22,80, from a pasted line); two, or a leading one, are refused as in nmap.
  const tokens = spec.replace(/(?<=[^,\s])\s*,\s*$/, '').split(',').map((t) => t.trim());
  if (spec.trim() === '') throw bad(spec, spec, 'empty');
  for (const raw of tokens) {
    if (/^[US]:/i.test(raw)) throw bad(spec, raw, 'shardscan scans TCP only (U: is UDP, S: SCTP in nmap); leave them out');
    const token = raw.replace(/^T:/i, '');
    if (/^[a-z*?]/i.test(token)) {
      // A name may hold ':' past its first letter (X11:1 is port 6001 in the list); the T: prefix is gone by now.
      const named = /^[\w.*?+-][\w.*?+:-]*$/.test(token) ? portsNamed(token) : [];
      if (named.length === 0) throw bad(spec, raw, `no service of that name in the built-in list (data/tcp-ports.tsv); give its port number`);
      for (const p of named) into[p] = 1;
      continue;
    }
    const m = /^(\d*)(-?)(\d*)$/.exec(token);
    if (!m || token === '' || (m[2] === '' && m[1] === '')) throw bad(spec, raw, 'not a port or range');
    const lo = m[1] === '' ? 1 : Number(m[1]);
    const hi = m[2] === '' ? lo : m[3] === '' ? 65535 : Number(m[3]);
    // Port 0 named anywhere (-p 0, -p -0, -p 0-10) is the reason, before any order of the ends.
    if (lo < 1 || hi < 1 || hi > 65535 || lo > 65535) throw bad(spec, raw, 'ports are 1-65535');
    if (lo > hi) throw bad(spec, raw, 'range end is before its start');
    into.fill(1, lo, hi + 1);
  }
}

/** What ports to scan, as the user gave them. */
export interface PortInput {
  ports?: string | undefined;
  topPorts?: number | undefined;
  excludePorts?: string | undefined;
}

/** Default when neither -p nor --top-ports is given: nmap's default, the top 1000. */
export const DEFAULT_TOP_PORTS = 1000;

/** -p with --top-ports (nmap's -F is --top-ports 100: `-F -p 1-5` named neither as typed). */
export const PORTS_AND_TOP_PORTS = 'give either -p or --top-ports (-F is --top-ports 100), not both. Example: -p 22,80 or --top-ports 100';

/** Each run of marked ports [lo, hi) in a 65,536-cell mark table (cell 0 is never marked). */
function eachMarked(marks: Uint8Array, run: (lo: number, hi: number) => void): void {
  for (let lo = marks.indexOf(1, 1); lo !== -1; ) {
    const end = marks.indexOf(0, lo);
    const hi = end === -1 ? marks.length : end;
    run(lo, hi);
    lo = marks.indexOf(1, hi);
  }
}

/** Build the PortSet. Throws E_PORT naming the bad token. */
export function buildPorts(input: PortInput): PortSet {
  const marks = new Uint8Array(65536);
  if (input.ports !== undefined && input.topPorts !== undefined) {
    throw new ShardscanError('E_PORT', PORTS_AND_TOP_PORTS);
  }
  const ex = new Uint8Array(65536);
  if (input.excludePorts !== undefined) markList(input.excludePorts, ex, '--exclude-ports');
  if (input.ports !== undefined) {
    markList(input.ports === '-' ? '1-65535' : input.ports, marks);
  } else {
    const n = input.topPorts ?? DEFAULT_TOP_PORTS;
    const max = rankedPortCount();
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new ShardscanError('E_PORT', `bad --top-ports '${n}': give a whole number from 1 to ${max}. Example: --top-ports 100`);
    }
    // As nmap does: the N most common ports that are not excluded, so
    // "--top-ports 5 --exclude-ports 80" scans five ports, the sixth in place of 80.
    let taken = 0;
    for (const p of topPorts(max)) {
      if (taken === n) break;
      if (!ex[p]) { marks[p] = 1; taken++; }
    }
  }
  // Runs found by indexOf, not a loop over all 65,535 ports: this runs once, cold, at every scan's start,
  // where the interpreter took ~3 ms for two such loops (-p 1) and the native scans take ~0.1 ms.
  if (input.excludePorts !== undefined) eachMarked(ex, (lo, hi) => marks.fill(0, lo, hi));
  const out: number[] = [];
  eachMarked(marks, (lo, hi) => {
    for (let p = lo; p < hi; p++) out.push(p);
  });
  if (out.length === 0) throw new ShardscanError('E_PORT', 'every port is excluded; nothing left to scan');
  return new PortSet(Uint16Array.from(out));
}

/**
 * A note for each of -p and --exclude-ports whose list holds a service-name
 * pattern ('http*', '*sql*'): names come from the built-in list of the most
 * common ports (data/tcp-ports.tsv), not from nmap's nmap-services (whose
 * licence does not let it ship here), so `-p 'x11*'` scanned 11 ports where
 * nmap scans 62, without a word. Plain names are left alone: one the list
 * lacks is refused by name. Call after buildPorts accepted the lists.
 */
export function wildcardNotes(input: PortInput): string[] {
  const notes: string[] = [];
  for (const [flag, spec] of [['-p', input.ports], ['--exclude-ports', input.excludePorts]] as const) {
    if (spec === undefined) continue;
    const globs = spec.split(',').map((t) => t.trim().replace(/^T:/i, '')).filter((t) => /^[a-z*?]/i.test(t) && /[*?]/.test(t));
    if (globs.length === 0) continue;
    const each = globs.map((g) => [g, portsNamed(g)] as const);
    const all = new Set(each.flatMap(([, ports]) => ports));
    const apart = each.length > 1 ? ` (${each.map(([g, ports]) => `'${quote(g)}' ${ports.length}`).join(', ')})` : '';
    notes.push(`note: ${flag} '${quote(spec)}': service-name pattern${globs.length === 1 ? '' : 's'} matched ${plural(all.size, 'port')}${apart}, from the built-in list of the ${rankedPortCount().toLocaleString('en-US')} most common ports (data/tcp-ports.tsv), not every port nmap names; give port numbers for others`);
  }
  return notes;
}
