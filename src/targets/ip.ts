/**
 * Address conversions. IPv4 addresses are unsigned 32-bit numbers; IPv6 are bigint.
 * Parsers return null instead of throwing: callers know which token to quote.
 */
import { isIPv6 } from 'node:net';

/** Dotted quad → unsigned 32-bit number, or null. Rejects leading zeros ("010": octal 8 to inet_aton and curl, decimal 10 to nmap). */
export function parseIPv4(text: string): number | null {
  return parseIPv4Span(text, 0, text.length);
}

/** parseIPv4 of `text` from `start` to `end` (exclusive), without the substring: a list file's line as it is read. */
export function parseIPv4Span(text: string, start: number, end: number): number | null {
  // By character, as node:net's isIPv4 reads it (four parts of 0-255, no leading zero), without its regex, a split and
  // four Numbers: a sorted report looks up every host's address, and this took 1.2 s of a /14's xml report's 4.3 s.
  const n = end - start;
  if (n < 7 || n > 15) return null;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return null; // a leading zero
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return null;
    } else return null;
  }
  return dots === 3 && digits > 0 ? value * 256 + part : null;
}

/** Unsigned 32-bit number → dotted quad. */
export function formatIPv4(value: number): string {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw new RangeError(`formatIPv4: ${value} is not an IPv4 address as a number (an integer, 0 to 2^32-1)`);
  return `${Math.floor(value / 16777216) % 256}.${Math.floor(value / 65536) % 256}.${Math.floor(value / 256) % 256}.${value % 256}`;
}

/** Hex-and-colon text: checked here, since node:net's isIPv6 compiles a regex that costs ~8 ms on first use, at every start (the built-in blocklist holds ::). */
const HEX_FORM = /^[0-9a-f:]+$/i;
const GROUP = /^[0-9a-f]{1,4}$/i;

/** Whether hex-and-colon text is an IPv6 address: 8 groups, or fewer around one "::". */
function validHexForm(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => GROUP.test(g))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

/** IPv6 text (any valid form, including embedded IPv4 and zone-less) → bigint, or null. */
export function parseIPv6(text: string): bigint | null {
  // node:net's isIPv6 takes a zone ("fe80::1%eth0"), which the parse below dropped without a word.
  if (text.includes('%')) return null;
  if (!(HEX_FORM.test(text) ? validHexForm(text) : isIPv6(text))) return null;
  let head = text;
  let tailV4: number[] = [];
  const lastColon = head.lastIndexOf(':');
  const tail = head.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (v4 === null) return null;
    tailV4 = [Math.floor(v4 / 65536), v4 % 65536];
    head = head.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(halves.length > 1 ? missing : 0).fill('0'), ...right];
  if (groups.length !== 8) return null;
  let value = 0n;
  for (let i = 0; i < 8; i++) {
    const g = i >= 6 && tailV4.length ? tailV4[i - 6]! : parseInt(groups[i]!, 16);
    value = (value << 16n) | BigInt(g);
  }
  return value;
}

/** bigint → RFC 5952 text (lower case, longest zero run compressed). */
export function formatIPv6(value: bigint): string {
  if (value < 0n || value >> 128n !== 0n) throw new RangeError(`formatIPv6: ${value} is not an IPv6 address as a number (0 to 2^128-1)`);
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** True for 127.0.0.0/8 and ::1, the addresses the tests and defaults may scan. */
export function isLoopback(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4 !== null) return Math.floor(v4 / 16777216) === 127;
  return parseIPv6(address) === 1n;
}

/** The smallest CIDR prefix that holds both addresses (of one family), e.g. 10.0.0.0/8. */
export function coveringPrefix(a: string, b: string): string {
  const a4 = parseIPv4(a);
  const b4 = parseIPv4(b);
  if (a4 !== null && b4 !== null) {
    let len = 32;
    while (len > 0 && Math.floor(a4 / 2 ** (32 - len)) !== Math.floor(b4 / 2 ** (32 - len))) len--;
    return `${formatIPv4(Math.floor(a4 / 2 ** (32 - len)) * 2 ** (32 - len))}/${len}`;
  }
  const a6 = parseIPv6(a);
  const b6 = parseIPv6(b);
  if (a6 === null || b6 === null) return a === b ? a : `${a}-${b}`;
  let len = 128;
  while (len > 0 && a6 >> BigInt(128 - len) !== b6 >> BigInt(128 - len)) len--;
  return `${formatIPv6((a6 >> BigInt(128 - len)) << BigInt(128 - len))}/${len}`;
}

/** HOST:PORT as a URL writes it, an IPv6 address in brackets ([::1]:22): `::1:22` reads as one address. */
export function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
