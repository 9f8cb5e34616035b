/**
 * The blocklist: address ranges shardscan leaves out of every scan unless
 * told otherwise. By default IANA's special-purpose ranges that cannot be a
 * host worth probing (data/blocklist.tsv: multicast, broadcast, reserved,
 * documentation, "this network", …); `--blocklist FILE` replaces the list,
 * `--no-blocklist` turns it off. Applied when the target set is built, before
 * anything is probed: a scan entirely inside it is refused, naming the range
 * and why; a scan partly inside it loses those addresses, and says how many.
 *
 * Ranges are CIDR blocks, so any two are nested or disjoint; an address is
 * attributed to the most specific range that holds it (255.255.255.255 is
 * "limited broadcast", not "reserved").
 */
import { readFileSync } from 'node:fs';
import { MAX_SMALL_FILE_BYTES, readProblem, readTextCapped } from '../files.js';
import { ShardscanError, errnoCode, escapeControls, messageOf, quote } from '../errors.js';
import { packagePath } from '../paths.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';
import { unmapped } from './mapped.js';
import { type Addr, type Interval, interval, intervalSize, mergeIntervals, pred, spanCount, subtractIntervals, succ } from './set.js';

/** One line of a blocklist. */
export interface BlockEntry {
  /** The range as shown to users: "224.0.0.0/4", or a bare address for a single one. */
  range: string;
  name: string;
  /** Where the range is defined, e.g. "RFC 5771" (may be empty in a user's file). */
  ref: string;
  interval: Interval;
  /** A "!" row: an exception inside a wider row, never blocked (::1 inside ::/96). */
  allow?: boolean;
}

/** A loaded blocklist: its entries, and a partition of its space into disjoint pieces, each owned by one entry. */
export interface Blocklist {
  /** "the blocklist", or "the blocklist FILE" for a user's file. */
  label: string;
  entries: BlockEntry[];
  pieces: Array<Interval & { entry: number }>;
  merged: Interval[];
}

/** Blocked addresses of one entry, in one scan. */
export interface BlockedRange {
  range: string;
  name: string;
  ref: string;
  /** Addresses of the targets this entry took out (not counting more specific entries inside it). */
  count: number;
  /** The first of them. */
  first: string;
  /** True when the targets held the entry's whole range. */
  whole: boolean;
}

/** What the blocklist took out of a scan: PreparedScan.blocked. */
export interface Blocked {
  count: number;
  ranges: BlockedRange[];
  /** Which list did it (for messages). */
  label: string;
}

export const NOTHING_BLOCKED: Blocked = Object.freeze({ count: 0, ranges: [], label: 'the blocklist' }) as Blocked;

/**
 * "192.0.2.0/24", "2001:db8::/32" or a single address → an interval; null
 * when it is not one. An IPv4-mapped one (::ffff:192.0.2.0/120) is the IPv4
 * network it maps, as a target written so is (mapped.ts).
 */
export function parseNetwork(text: string): Interval | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? null : text.slice(slash + 1);
  const v4 = parseIPv4(addr);
  const v6 = v4 === null ? parseIPv6(addr) : null;
  if (v4 === null && v6 === null) return null;
  const bits = v4 !== null ? 32 : 128;
  if (prefixText !== null && (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits)) return null;
  const prefix = prefixText === null ? bits : Number(prefixText);
  if (v4 !== null) {
    const size = 2 ** (32 - prefix);
    const lo = Math.floor(v4 / size) * size;
    return { v6: false, lo, hi: lo + size - 1 };
  }
  const size = 1n << BigInt(128 - prefix);
  const lo = (v6! / size) * size;
  return unmapped({ v6: true, lo, hi: lo + size - 1n });
}

function rangeText(iv: Interval): string {
  const bits = iv.v6 ? 128 : 32;
  const prefix = bits - (intervalSize(iv).toString(2).length - 1);
  return prefix === bits ? addressText(iv.lo) : `${addressText(iv.lo)}/${prefix}`;
}

function addressText(v: Addr): string {
  return typeof v === 'bigint' ? formatIPv6(v) : formatIPv4(v);
}

/**
 * Split the entries' space into disjoint pieces, each owned by the most
 * specific entry that covers it. CIDR blocks nest like a tree, so one pass in
 * (start, largest first) order with a stack of open ranges does it.
 */
function partition(entries: readonly BlockEntry[]): Blocklist['pieces'] {
  const pieces: Blocklist['pieces'] = [];
  for (const v6 of [false, true]) {
    const order = entries
      .map((e, i) => ({ iv: e.interval, i }))
      .filter((x) => x.iv.v6 === v6)
      .sort((a, b) => (a.iv.lo !== b.iv.lo ? (a.iv.lo < b.iv.lo ? -1 : 1) : a.iv.hi > b.iv.hi ? -1 : a.iv.hi < b.iv.hi ? 1 : a.i - b.i));
    const stack: { iv: Interval; i: number }[] = [];
    let cursor: Addr = v6 ? 0n : 0;
    const emit = (lo: Addr, hi: Addr, entry: number): void => {
      if (lo <= hi) pieces.push({ ...interval(v6, lo, hi), entry });
    };
    const closeUntil = (before: Addr | null): void => {
      while (stack.length > 0 && (before === null || stack[stack.length - 1]!.iv.hi < before)) {
        const top = stack.pop()!;
        emit(cursor, top.iv.hi, top.i);
        cursor = succ(top.iv.hi);
      }
    };
    for (const x of order) {
      closeUntil(x.iv.lo);
      const top = stack[stack.length - 1];
      if (top && top.iv.lo === x.iv.lo && top.iv.hi === x.iv.hi) continue; // listed twice: the first line names it
      if (top) emit(cursor, pred(x.iv.lo), top.i);
      cursor = x.iv.lo;
      stack.push(x);
    }
    closeUntil(null);
  }
  return pieces;
}

/** Parse a blocklist: one range per line, then its name and reference, tab-separated; `#` lines are comments. */
export function parseBlocklist(text: string, label: string, source: string): Blocklist {
  const entries: BlockEntry[] = [];
  text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(line)) return;
    const m = /^\s*(\S+)\s*([^]*)$/.exec(line)!; // [^]: a stray \r or U+2028 inside a name is not the end
    const allow = m[1]!.startsWith('!');
    const interval = parseNetwork(allow ? m[1]!.slice(1) : m[1]!);
    if (!interval) {
      throw new ShardscanError('E_CONFIG', `bad line ${n + 1} of ${source}: '${quote(m[1]!)}' is not an address or CIDR network. Example: 192.0.2.0/24<TAB>documentation<TAB>RFC 5737`);
    }
    // Names are printed in notes and errors: no control characters, and a sane length.
    const [name, ref] = m[2]!.split('\t').map((s) => escapeControls(s.trim()).slice(0, 100));
    entries.push({ range: `${allow ? '!' : ''}${rangeText(interval)}`, name: name || `listed in ${source}`, ref: ref ?? '', interval, ...(allow ? { allow } : {}) });
  });
  // A "!" row owns its range as the most specific row does, and so takes it out of the wider one.
  const pieces = partition(entries).filter((p) => entries[p.entry]!.allow !== true);
  return { label, entries, pieces, merged: mergeIntervals(pieces.map(({ lo, hi, v6 }) => interval(v6, lo, hi))) };
}

let builtIn: Blocklist | undefined;

/** The built-in list, data/blocklist.tsv. */
export function defaultBlocklist(): Blocklist {
  builtIn ??= parseBlocklist(readFileSync(packagePath('data', 'blocklist.tsv'), 'utf8'), 'the blocklist', 'data/blocklist.tsv');
  return builtIn;
}

/** The list a config asks for: true = built-in, false = none, a string = that file. */
export function loadBlocklist(spec: boolean | string): Blocklist | null {
  if (spec === false) return null;
  if (spec === true) return defaultBlocklist();
  let text: string;
  try {
    text = readTextCapped(spec, MAX_SMALL_FILE_BYTES);
  } catch (err) {
    throw new ShardscanError('E_INPUT_FILE', `cannot read --blocklist file '${quote(spec)}': ${readProblem(err)}`);
  }
  return parseBlocklist(text, `the blocklist '${quote(spec)}'`, `--blocklist file '${quote(spec)}'`);
}

/** How many addresses of the merged (sorted, disjoint) `targets` lie in [lo, hi] of one family. */
function overlap(targets: readonly Interval[], v6: boolean, lo: Addr, hi: Addr): number {
  // Binary search for the first target not wholly before [lo, hi] (IPv4 sorts before IPv6).
  let a = 0;
  let b = targets.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    const t = targets[mid]!;
    if (t.v6 === v6 ? t.hi < lo : !t.v6) a = mid + 1;
    else b = mid;
  }
  let n = 0;
  for (let i = a; i < targets.length; i++) {
    const t = targets[i]!;
    if (t.v6 !== v6 || t.lo > hi) break;
    n += spanCount(t.lo > lo ? t.lo : lo, t.hi < hi ? t.hi : hi);
  }
  return n;
}

/** "1,234,567" */
export function formatCount(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

/** One blocked range, for a message. */
export function describeBlocked(r: BlockedRange, withRef: boolean): string {
  const ref = withRef && r.ref ? `, ${r.ref}` : '';
  if (r.whole) return `${r.range} (${r.name}${ref})`;
  if (r.count === 1) return `${r.first} (${r.name}${r.first === r.range ? '' : `, in ${r.range}`}${ref})`;
  return `${formatCount(r.count)} addresses of ${r.range} (${r.name}${ref})`;
}

/** The blocked ranges worth naming: a range inside another that went whole is already said. */
function namedRanges(b: Blocked): BlockedRange[] {
  const whole = b.ranges.filter((r) => r.whole).map((r) => parseNetwork(r.range)!);
  return b.ranges.filter((r) => {
    const iv = parseNetwork(r.range)!;
    return !whole.some((w) => w.v6 === iv.v6 && w.lo <= iv.lo && iv.hi <= w.hi && !(w.lo === iv.lo && w.hi === iv.hi));
  });
}

/** The largest first (the ones worth reading when the list is cut), then in address order. */
function listRanges(b: Blocked, max: number, withRef: boolean): string {
  const named = namedRanges(b).sort((x, y) => y.count - x.count);
  const shown = named.slice(0, max).map((r) => describeBlocked(r, withRef));
  return named.length > max ? `${shown.join(', ')}, and ${named.length - max} more` : shown.join(', ');
}

/**
 * Remove the blocklist's addresses from merged targets. Throws E_BLOCKED,
 * naming the ranges, when nothing is left.
 */
export function applyBlocklist(targets: readonly Interval[], list: Blocklist): { kept: Interval[]; blocked: Blocked } {
  const perEntry = new Map<number, { count: number; first: Addr }>();
  let total = 0;
  let j = 0;
  for (const t of targets) {
    // Pieces are sorted (IPv4 first), like the targets: walk both once.
    while (j < list.pieces.length && (list.pieces[j]!.v6 === t.v6 ? list.pieces[j]!.hi < t.lo : !list.pieces[j]!.v6)) j++;
    for (let k = j; k < list.pieces.length; k++) {
      const p = list.pieces[k]!;
      if (p.v6 !== t.v6 || p.lo > t.hi) break;
      const lo = p.lo > t.lo ? p.lo : t.lo;
      const hi = p.hi < t.hi ? p.hi : t.hi;
      if (lo > hi) continue;
      const n = spanCount(lo, hi);
      const seen = perEntry.get(p.entry);
      if (seen) {
        seen.count += n;
        if (lo < seen.first) seen.first = lo;
      } else {
        perEntry.set(p.entry, { count: n, first: lo });
      }
      total += n;
    }
  }
  if (total === 0) return { kept: [...targets], blocked: { ...NOTHING_BLOCKED, label: list.label } };
  const ranges: BlockedRange[] = [...perEntry.entries()]
    .map(([i, hit]) => {
      const e = list.entries[i]!;
      return {
        range: e.range,
        name: e.name,
        ref: e.ref,
        count: hit.count,
        first: addressText(hit.first),
        whole: BigInt(overlap(targets, e.interval.v6, e.interval.lo, e.interval.hi)) === intervalSize(e.interval),
        key: e.interval,
      };
    })
    .sort((a, b) => (a.key.v6 !== b.key.v6 ? (a.key.v6 ? 1 : -1) : a.key.lo < b.key.lo ? -1 : a.key.lo > b.key.lo ? 1 : 0))
    .map(({ key, ...r }) => (void key, r));
  const blocked: Blocked = { count: total, ranges, label: list.label };
  const kept = mergeIntervals(subtractIntervals(targets, list.merged));
  if (kept.length === 0) throw new AllBlocked(list.label, listRanges(blocked, 3, true), blocked.count);
  return { kept, blocked };
}

/** Every target is on the blocklist (E_BLOCKED); `label` and `ranges` let a caller without --no-blocklist (the bench) word it. */
export class AllBlocked extends ShardscanError {
  constructor(
    readonly label: string,
    readonly ranges: string,
    count: number,
  ) {
    super('E_BLOCKED', `nothing to scan: every target is on ${label}: ${ranges}. To scan ${count === 1 ? 'it' : 'them'} anyway: --no-blocklist`);
  }
}

/** The note printed before a scan the blocklist trimmed, or null. */
export function blockedNote(b: Blocked): string | null {
  if (b.count === 0) return null;
  return `${formatCount(b.count)} address${b.count === 1 ? '' : 'es'} excluded by ${b.label}: ${listRanges(b, 6, false)}`;
}

/** The built-in list for --help: one range per line. */
export function blocklistHelp(): string {
  const rows = defaultBlocklist().entries.map((e) => `  ${e.range.padEnd(18)} ${e.allow ? 'scanned: ' : ''}${e.name}${e.ref ? ` (${e.ref})` : ''}`);
  return `Not scanned unless --no-blocklist (data/blocklist.tsv, where a "!" row is an exception; --blocklist FILE replaces it):\n${rows.join('\n')}`;
}
