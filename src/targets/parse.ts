/**
 * Target specifications → TargetSet. Accepts what nmap users type:
 * IPv4/IPv6 literals, CIDR, a-b ranges, octet ranges (127.0.1-3.1-10, 127.0.0.1,5, 10.0.0.*),
 * host names (resolved once, before the scan), lists separated by commas or
 * spaces, files with one target per line and # comments, and exclusions.
 */
import { ShardscanError, quote } from '../errors.js';
import { type ListPlace, allTokens, placed } from './list-file.js';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './ip.js';
import { type Blocked, type Blocklist, NOTHING_BLOCKED, applyBlocklist } from './blocklist.js';
import { confirmScanSize } from './confirm.js';
import { reachesMapped, unmapped, v4Text } from './mapped.js';
import { octetRanges } from './octets.js';
import { V4Singles } from './v4-singles.js';
import { type Resolver, UnresolvedName, systemResolver, typedResolver } from './resolve.js';

export type { Resolver } from './resolve.js';
export { MAX_LIST_BYTES, splitList } from './list-file.js';
import { type Interval, TargetSet, mergeIntervals, subtractIntervals, unionMerged } from './set.js';

/** Largest IPv6 network one token may name: a /104 is 16,777,216 addresses, like an IPv4 /8. */
export const MAX_IPV6_PREFIX_BITS = 24;
export { MAX_INTERVALS } from './octets.js';

/** A parsed token: addresses, or a host name to resolve (with an optional IPv4 prefix). */
export type TargetToken =
  | { kind: 'addresses'; token: string; intervals: Interval[] }
  | { kind: 'name'; token: string; name: string; prefix: number | null };

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?$/i;

/** A token that is no target, and why: an exclusion's refusal is worded from these (asExclusion). */
class BadTarget extends ShardscanError {
  constructor(
    readonly token: string,
    readonly why: string,
  ) {
    super('E_TARGET', `bad target '${quote(token)}': ${why}. Examples: 127.0.0.1, 127.0.0.0/24, 127.0.0.1-127.0.0.9, 127.0.1-3.1-10, ::1, localhost`);
  }
}

function bad(token: string, why: string): ShardscanError {
  return new BadTarget(token, why);
}

/** A refusal worded for an --exclude value or an --exclude-file line, which "bad target" (or "cannot resolve host name") called a target. */
export function asExclusion(err: unknown): unknown {
  if (err instanceof UnresolvedName) return new ShardscanError(err.code, `cannot resolve excluded host name '${quote(err.host)}'${err.detail}`);
  if (err instanceof BadTarget) return new ShardscanError(err.code, `bad exclusion '${quote(err.token)}': ${err.why}. Examples: 127.0.0.5, 127.0.0.0/28, 127.0.0.1-127.0.0.9, ::1, localhost`);
  return err;
}

function v4Interval(lo: number, hi: number): Interval {
  return { v6: false, lo, hi };
}

function cidr4(base: number, prefix: number): Interval {
  const size = 2 ** (32 - prefix);
  const lo = Math.floor(base / size) * size;
  return v4Interval(lo, lo + size - 1);
}

function parsePrefix(token: string, text: string, max: number): number {
  // "/+8", "/8.5", "/31/1" are no prefix length at all; "/33" is one out of range.
  if (!/^\d+$/.test(text)) throw bad(token, `prefix '/${quote(text)}' is not a prefix length: give a whole number of bits, 0-${max}`);
  // "/08" is most likely "/28" mistyped, and a /8 is 16,777,216 addresses: refused, as octets with a leading zero are.
  if (/^0\d/.test(text) && Number(text) <= max) throw bad(token, `prefix '/${quote(text)}' has a leading zero: write /${Number(text)} if you mean it`);
  if (Number(text) > max) throw bad(token, `prefix '/${quote(text)}' must be 0-${max}`);
  return Number(text);
}

/**
 * Parse one token (no resolution). Throws E_TARGET / E_TOO_LARGE naming the
 * token. `maxV6Bits`: the largest IPv6 network or range it may name, 2^bits
 * addresses (an exclusion may name any: a blocklist's /32 made every scan fail).
 */
export function parseTargetToken(token: string, maxV6Bits = MAX_IPV6_PREFIX_BITS): TargetToken {
  const slash = token.indexOf('/');
  const addrPart = slash >= 0 ? token.slice(0, slash) : token;
  const prefixPart = slash >= 0 ? token.slice(slash + 1) : null;

  const v4 = parseIPv4(addrPart);
  if (v4 !== null) {
    if (prefixPart === null) return { kind: 'addresses', token, intervals: [v4Interval(v4, v4)] };
    return { kind: 'addresses', token, intervals: [cidr4(v4, parsePrefix(token, prefixPart, 32))] };
  }
  const zone = addrPart.indexOf('%');
  if (zone >= 0 && parseIPv6(addrPart.slice(0, zone)) !== null) {
    throw bad(token, `an IPv6 zone (${quote(addrPart.slice(zone))}) is not taken: shardscan connects without one, so a link-local address cannot be reached; give a global or loopback address`);
  }
  const v6 = parseIPv6(addrPart);
  if (v6 !== null) {
    const prefix = prefixPart === null ? 128 : parsePrefix(token, prefixPart, 128);
    if (128 - prefix > maxV6Bits) {
      throw new ShardscanError(
        'E_TOO_LARGE',
        `IPv6 network '${quote(token)}' is too large: at most /${128 - MAX_IPV6_PREFIX_BITS} (${2 ** MAX_IPV6_PREFIX_BITS} addresses), e.g. 2001:2::/112`,
      );
    }
    const size = 1n << BigInt(128 - prefix);
    const lo = (v6 / size) * size;
    return { kind: 'addresses', token, intervals: [unmapped({ v6: true, lo, hi: lo + size - 1n })] };
  }
  if (prefixPart === null && token.includes('-')) {
    // Full-address range "a-b" (IPv4 or IPv6); for IPv4 the right side may be a last octet.
    const dash = token.indexOf('-');
    const left = token.slice(0, dash);
    const right = token.slice(dash + 1);
    const l4 = parseIPv4(left);
    const r4 = parseIPv4(right);
    if (l4 !== null && r4 !== null) {
      if (r4 < l4) throw bad(token, 'range end is before its start');
      return { kind: 'addresses', token, intervals: [v4Interval(l4, r4)] };
    }
    const l6 = parseIPv6(left);
    const r6 = parseIPv6(right);
    if (l6 !== null && r6 !== null) {
      if (r6 < l6) throw bad(token, 'range end is before its start');
      if (r6 - l6 >= 1n << BigInt(maxV6Bits)) {
        throw new ShardscanError('E_TOO_LARGE', `IPv6 range '${quote(token)}' is too large: at most ${2 ** MAX_IPV6_PREFIX_BITS} addresses`);
      }
      return { kind: 'addresses', token, intervals: [unmapped({ v6: true, lo: l6, hi: r6 })] };
    }
  }
  // 127.1 and 2130706433 are 127.0.0.1 to inet_aton (and so to ping and curl); nmap reads them otherwise.
  if (/^\d+(\.\d+){0,2}$/.test(addrPart)) throw bad(token, 'a short address form (inet_aton reads 127.1 and 2130706433 as 127.0.0.1; nmap does not): write all four octets, e.g. 127.0.0.1');
  if (/^[\d*.,-]+$/.test(addrPart)) {
    if (/(^|[.,-])0\d/.test(addrPart)) throw bad(token, 'an octet with a leading zero is ambiguous (inet_aton and curl read 010 as octal 8, nmap as decimal 10): write it without');
    const ranges = octetRanges(addrPart, (why) => bad(token, why));
    if (ranges === null || prefixPart !== null) throw bad(token, 'not an IPv4 address, CIDR or octet range');
    return { kind: 'addresses', token, intervals: ranges };
  }
  if (HOSTNAME.test(addrPart)) {
    // The resolver would take "0x7f.0.0.1" or "0x7f000001" for an address (inet_aton forms); no real name ends in a number.
    if (/(^|\.)(0x[0-9a-f]*|\d+)\.?$/i.test(addrPart)) throw bad(token, 'a host name never ends in a number, and hex or octal address forms are refused: write the dotted quad, e.g. 127.0.0.1');
    // Of the family the name resolves to (nmap's too): /24 of an IPv4 address, /120 of an IPv6 one (checked there).
    const prefix = prefixPart === null ? null : parsePrefix(token, prefixPart, 128);
    return { kind: 'name', token, name: addrPart, prefix };
  }
  throw bad(token, 'not an address, network, range or host name');
}

/** What to scan, as the user gave it. */
export interface TargetInput {
  targets: readonly string[];
  inputFile?: string | undefined;
  exclude?: readonly string[] | undefined;
  excludeFile?: string | undefined;
  /** Names already resolved (a resumed scan reuses the first run's answers). */
  resolved?: Readonly<Record<string, string>> | undefined;
  /** Ranges never to scan (see blocklist.ts); none when absent. */
  blocklist?: Blocklist | null | undefined;
  /** Whether a huge scan is confirmed (see confirm.ts); the size is not checked when absent. */
  yes?: boolean | undefined;
  /** Only this address family (nmap -4, -6): names resolve to it, and a target of the other is refused. */
  family?: 4 | 6 | null | undefined;
}

/** The built set, plus the resolutions made (kept in the manifest for resume). */
export interface ResolvedTargets {
  set: TargetSet;
  resolved: Record<string, string>;
  /** What the blocklist took out. */
  blocked: Blocked;
  /** Names resolved now that have more addresses than the one scanned: the others (of the family asked for). */
  otherAddresses: Record<string, string[]>;
  /** Of the names the input's `resolved` gave, those this scan's targets and exclusions name, as pinnedNamesNote shows them. */
  pinned: Record<string, string>;
}

/** A host-name token (with its optional IPv4 prefix), and the list file and line it was read from (a name that does not resolve is found only after the whole list is read). */
type NameToken = Extract<TargetToken, { kind: 'name' }> & { place?: ListPlace };

/**
 * Tokens → the intervals of the addresses among them, and the host names
 * left to resolve. One pass, keeping only the intervals and the names: a list
 * of a million addresses must not hold a million parsed tokens at once as
 * well. What was read is merged every MERGE_EVERY intervals, so a list whose
 * lines repeat or adjoin holds its merged ranges, not one object per line.
 * `what`: targets or exclusions; `where`: the list file's place, for a refusal.
 */
function readTokens(given: readonly string[], file: string | undefined, what: 'target' | 'exclude', where: ListPlace): { intervals: Interval[]; named: NameToken[]; count: number } {
  // An exclusion may be any IPv6 network (a blocklist's /32); a target is held to what a scan may walk.
  const maxV6Bits = what === 'exclude' ? 128 : MAX_IPV6_PREFIX_BITS;
  let out: Interval[] = [];
  let merged: Interval[] = [];
  let count = 0;
  const named: NameToken[] = [];
  // Plain IPv4 addresses (parseTargetToken's first case, without a prefix), 4 bytes each until merged: an object
  // per line made a 400,000-line list peak at ~190 MB. Merged when they are as many as the merged intervals, at
  // least SINGLES_EVERY: a list of adjacent or repeated addresses shrinks, one of scattered ones is merged once.
  const singles = new V4Singles();
  const single = (address: number): void => {
    count++;
    singles.push(address);
    if (singles.length >= Math.max(SINGLES_EVERY, merged.length)) merged = unionMerged(merged, singles.take());
  };
  for (const token of allTokens(given, file, what, where, single)) {
    const v4 = parseIPv4(token);
    if (v4 !== null) {
      single(v4);
      continue;
    }
    count++;
    let p: TargetToken;
    try {
      p = parseTargetToken(token, maxV6Bits);
    } catch (err) {
      throw placed(what === 'exclude' ? asExclusion(err) : err, where);
    }
    if (p.kind === 'name') named.push(where.file === null ? p : { ...p, place: { ...where } });
    else for (const iv of p.intervals) out.push(iv);
    // As many new ones as are merged already, at least MERGE_EVERY: a list of distinct addresses (nothing merges) was
    // copied whole at every 65,536, 1.8 M moves for 400k lines; now each interval moves about twice. A list that
    // merges well stays as small as before.
    if (out.length >= Math.max(MERGE_EVERY, merged.length)) {
      merged = unionMerged(merged, mergeIntervals(out));
      out = [];
    }
  }
  if (singles.length > 0) merged = unionMerged(merged, singles.take());
  return { intervals: merged.concat(out), named, count };
}

/**
 * A name's recorded address as intervals (with its prefix, of the address's
 * family: an IPv4 one longer than 32 is refused). `entry`: the key of
 * `resolved` it was kept under. A resumed scan or a config file supplies
 * these: they must be addresses, not more target syntax. `maxV6Bits`: as
 * parseTargetToken's (an exclusion's may be any size).
 */
function nameIntervals(p: NameToken, address: string, entry: string, maxV6Bits = MAX_IPV6_PREFIX_BITS): Interval[] {
  if (parseIPv4(address) === null && parseIPv6(address) === null) {
    const where = entry === p.name ? '' : ' in --exclude';
    throw new ShardscanError('E_CONFIG', `host name '${quote(p.name)}'${where} is recorded as resolving to '${quote(address)}', which is not an IP address; fix or remove ${where === '' ? 'it' : `"${quote(entry)}"`} in "resolved"`);
  }
  const text = v4Text(address);
  if (p.prefix !== null && p.prefix > 32 && parseIPv4(text) !== null) throw bad(p.token, `prefix /${p.prefix} is longer than an IPv4 address, and ${quote(p.name)} is ${text}`);
  const inner = parseTargetToken(p.prefix === null ? address : `${text}/${p.prefix}`, maxV6Bits);
  return inner.kind === 'addresses' ? inner.intervals : [];
}

/**
 * What target names scan: one address each, the first IPv4 one (as nmap
 * does), resolved now unless `resolved` holds it (a Map, not an object: a
 * host named "constructor" or "__proto__" must not find or set
 * Object.prototype's members). A name's other addresses go to `others`.
 */
async function targetNames(named: readonly NameToken[], resolved: Map<string, string>, resolver: Resolver, family: 4 | 6 | undefined, others: Record<string, string[]>): Promise<Interval[]> {
  for (const [n, all] of await lookUp(named, (n) => resolved.has(n), resolver, family)) {
    const pick = oneAddress(all);
    resolved.set(n, pick);
    if (all.length > 1) others[n] = all.filter((a) => a !== pick);
  }
  return named.flatMap((p) => nameIntervals(p, resolved.get(p.name)!, p.name));
}

/** Every address of each name not `known` yet (once each, all at once), of `family`; a refusal names the list file and line of the name's first use. */
async function lookUp(named: readonly NameToken[], known: (name: string) => boolean, resolver: Resolver, family: 4 | 6 | undefined): Promise<[string, string[]][]> {
  const first = new Map<string, NameToken>();
  for (const p of named) if (!known(p.name) && !first.has(p.name)) first.set(p.name, p);
  const answers = await Promise.all([...first.values()].map((p) => resolver(p.name, family, true).catch((err: unknown) => Promise.reject(placed(err, p.place)))));
  return [...first.keys()].map((n, i) => [n, [...new Set([answers[i]!].flat())]]);
}

/** Of a target name's addresses, the one scanned: the first IPv4 one (as systemResolver picks). */
function oneAddress(all: readonly string[]): string {
  return all.find((a) => parseIPv4(a) !== null) ?? all[0] ?? '';
}

/**
 * What names in --exclude leave out: every address each has, of the family
 * asked for (-4/-6: glibc may answer an IPv4 lookup of a name's ::1 with
 * 127.0.0.1, which the target's lookup scans), as nmap leaves them out. Only
 * the first was, so `--exclude multi` scanned the name's second address.
 * Kept in `resolved` as "exclude:NAME" → "ADDR ADDR…" (no host name holds a
 * colon), so a resume or a merge on another machine leaves out what this one
 * left out. A directory written before this kept a name's one address as
 * "NAME" (`persisted`: the names `resolved` held before this build): that
 * one is read back, so its resume and merge leave out what it left out.
 */
async function excludedByName(named: readonly NameToken[], resolved: Map<string, string>, resolver: Resolver, family: 4 | 6 | undefined, persisted: ReadonlySet<string>): Promise<Interval[]> {
  const key = (name: string): string => `${EXCLUDED_PREFIX}${name}`;
  for (const p of named) if (!resolved.has(key(p.name)) && persisted.has(p.name)) resolved.set(key(p.name), resolved.get(p.name)!);
  const reworded: Resolver = (n, f, all) => resolver(n, f, all).catch((err: unknown) => Promise.reject(asExclusion(err)));
  for (const [n, all] of await lookUp(named, (n) => resolved.has(key(n)), reworded, family)) resolved.set(key(n), all.join(' '));
  // A prefix of 32 or less is an IPv4 one (NAME/24), longer an IPv6 one (NAME/120): the name's addresses of the other
  // family are left out themselves (its IPv6 ones were not at all, and a name with only those excluded nothing).
  const own = (p: NameToken, address: string): boolean => p.prefix === null || (parseIPv6(v4Text(address)) !== null) === p.prefix > 32;
  return named.flatMap((p) =>
    resolved
      .get(key(p.name))!
      .split(' ')
      .flatMap((address) => nameIntervals(own(p, address) ? p : { ...p, prefix: null }, address, key(p.name), 128)),
  );
}

/** How `resolved` keeps an excluded name's addresses (see excludedByName). */
export const EXCLUDED_PREFIX = 'exclude:';

/** How many intervals are read before those read so far are merged (see readTokens). */
const MERGE_EVERY = 65_536;
/** Single IPv4 addresses held as numbers before a merge, at least (4 MiB). */
const SINGLES_EVERY = 1 << 20;

/**
 * -4 or -6: a target of the other family left after the exclusions is refused, never scanned. (nmap skips it with
 * a warning and scans the rest; refused, a list meant for one family is never scanned in part with no word.) Judged
 * before the exclusions, `--exclude 0.0.0.0/0` could not take a dual-stack list's IPv4 part out (helper 14).
 */
function checkFamily(intervals: readonly Interval[], family: 4 | 6): void {
  const other = intervals.find((iv) => iv.v6 === (family === 4));
  if (other === undefined) return;
  const first = other.v6 ? formatIPv6(other.lo) : formatIPv4(other.lo);
  throw new ShardscanError('E_TARGET', `-${family} scans IPv${family} only, but the targets include IPv${family === 4 ? 6 : 4} (${first}${other.hi !== other.lo ? ' and more' : ''}); drop -${family} to scan both families, or leave them out with --exclude ${family === 6 ? '0.0.0.0/0' : '::/0'}`);
}

/**
 * A config's "resolved" addresses as shardscan writes them (0:0:0:0:0:0:0:1 is ::1): reports find a host's name by
 * its address's text, and every host lost its name under another spelling (helper 14). Not an address: as given.
 */
function canonicalAddresses(addresses: string): string {
  return addresses
    .split(' ')
    .map((a) => {
      const v6 = parseIPv6(a);
      return v6 === null ? a : formatIPv6(v6);
    })
    .join(' ');
}

/** No target at all; an -iL list (a file, or stdin) of comments or blank lines only is named: "no targets given" said it was never read. */
export const noTargets = (inputFile: string | null | undefined): ShardscanError =>
  new ShardscanError('E_TARGET', `no targets given${inputFile ? ` (the -iL list ${inputFile === '-' ? 'on stdin' : `'${quote(inputFile)}'`} holds none: only blank lines or comments)` : ''}; name at least one, e.g. shardscan 127.0.0.1 -p 22,80`);

/** Parse, resolve, merge and subtract: the exact set of hosts to scan. */
export async function buildTargets(input: TargetInput, resolver: Resolver = systemResolver): Promise<ResolvedTargets> {
  const resolved = new Map(Object.entries(input.resolved ?? {}).map(([name, addresses]) => [name, canonicalAddresses(addresses)]));
  const persisted = new Set(resolved.keys());
  const family = input.family ?? undefined;
  const inputPlace: ListPlace = { file: null, line: 0 };
  const otherAddresses: Record<string, string[]> = {};
  const included = readTokens(input.targets, input.inputFile, 'target', inputPlace);
  included.intervals.push(...(await targetNames(included.named, resolved, typedResolver(resolver), family, otherAddresses)));
  if (included.count === 0) throw noTargets(input.inputFile);
  const inc = mergeIntervals(included.intervals);
  const mixed = inc.find(reachesMapped);
  if (mixed) throw new ShardscanError('E_TARGET', `targets from ${formatIPv6(mixed.lo as bigint)} to ${formatIPv6(mixed.hi as bigint)} reach into ::ffff:0:0/96, IPv4 addresses written as IPv6 (a connect to one is an IPv4 connect): give the IPv4 addresses as IPv4`);
  const excludePlace: ListPlace = { file: null, line: 0 };
  const excluded = readTokens(input.exclude ?? [], input.excludeFile, 'exclude', excludePlace);
  const exc = mergeIntervals([...excluded.intervals, ...(await excludedByName(excluded.named, resolved, typedResolver(resolver), family, persisted))]);
  // Nothing excluded (the common case): a million-address list skips a copy and a merge of its intervals.
  const remaining = exc.length === 0 ? inc : mergeIntervals(subtractIntervals(inc, exc));
  if (remaining.length === 0) throw new ShardscanError('E_TARGET', 'every target is excluded; nothing left to scan');
  if (family !== undefined) checkFamily(remaining, family);
  // Both before any probe: the blocklist first (a blocked target is named), then the size.
  const { kept, blocked } = input.blocklist ? applyBlocklist(remaining, input.blocklist) : { kept: remaining, blocked: NOTHING_BLOCKED };
  if (input.yes !== undefined) confirmScanSize(inc, kept, input.yes);
  return { set: TargetSet.fromIntervals(kept), resolved: Object.fromEntries(resolved), blocked, otherAddresses, pinned: pinnedUsed(included.named, excluded.named, persisted, resolved) };
}

/**
 * The given names the targets and exclusions used: the note listed every name of a config's "resolved", those no
 * target named too, and an exclusion's by its internal key ("exclude:c.test"; helper 17).
 */
function pinnedUsed(targets: readonly NameToken[], exclusions: readonly NameToken[], persisted: ReadonlySet<string>, resolved: ReadonlyMap<string, string>): Record<string, string> {
  const used: Record<string, string> = {};
  for (const p of targets) if (persisted.has(p.name)) used[p.name] = resolved.get(p.name)!;
  for (const p of exclusions) {
    const key = `${EXCLUDED_PREFIX}${p.name}`;
    if (persisted.has(key) || persisted.has(p.name)) used[`${p.name} (excluded)`] = resolved.get(key)!;
  }
  return used;
}

/**
 * nmap's note for a name with several addresses, of which one is scanned:
 * "Other addresses for multi (not scanned): 127.0.0.7". Only the first was
 * scanned, with no word of the others. Null when there are none.
 */
export function otherAddressesNote(others: Readonly<Record<string, readonly string[]>>): string | null {
  const lines = Object.entries(others).map(([name, addresses]) => `other addresses for ${quote(name)} (not scanned): ${addresses.slice(0, 8).join(' ')}${addresses.length > 8 ? ` and ${addresses.length - 8} more` : ''}`);
  return lines.length === 0 ? null : lines.slice(0, 5).join('; ') + (lines.length > 5 ? `; and ${lines.length - 5} more names` : '');
}

/**
 * A config file's "resolved" names, which are scanned at the address it gives, not looked up (as a resume scans
 * the addresses its first run found): said, since a name may have moved since (an audit's config pinned localhost
 * to 127.0.0.9 with no word). Null when it gives none.
 */
export function pinnedNamesNote(pinned: Readonly<Record<string, string>> | undefined): string | null {
  const names = Object.entries(pinned ?? {});
  if (names.length === 0) return null;
  const shown = names.slice(0, 5).map(([name, address]) => `${quote(name)} as ${address}`).join(', ');
  return `names taken from the config file's "resolved", not looked up: ${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''} (leave "resolved" out to look them up now)`;
}
