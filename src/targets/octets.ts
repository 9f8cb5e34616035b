/**
 * nmap's octet ranges and lists (127.0.1-3.1-10, 127.0.0.1,5, 10.0.0.*) as
 * address intervals, without listing hosts.
 */
import type { Interval } from './set.js';

/** Octet ranges that cannot be merged into this many intervals are refused (say it with CIDR). */
export const MAX_INTERVALS = 1 << 20;

/** One octet range: "5", "1-10", "*", "-10", "250-". Returns [lo, hi] or null if not an octet form. */
function parseOctetRange(field: string): [number, number] | null {
  if (field === '*') return [0, 255];
  // No leading zeros: inet_aton and curl read "010" as octal 8, nmap as decimal 10.
  const m = /^(0|[1-9]\d{0,2})?(?:(-)(0|[1-9]\d{0,2})?)?$/.exec(field);
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  const lo = m[1] === undefined ? 0 : Number(m[1]);
  const hi = m[2] === undefined ? lo : m[3] === undefined ? 255 : Number(m[3]);
  if (lo > 255 || hi > 255 || lo > hi) return null;
  return [lo, hi];
}

/** One octet field, a comma list of ranges ("1,5,10-20"): sorted, merged ranges, or null. */
function parseOctet(field: string): [number, number][] | null {
  const ranges: [number, number][] = [];
  for (const part of field.split(',')) {
    const r = parseOctetRange(part);
    if (r === null) return null;
    ranges.push(r);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

const isFull = (o: [number, number][]): boolean => o.length === 1 && o[0]![0] === 0 && o[0]![1] === 255;

/**
 * nmap-style octet ranges and lists, expanded into intervals without listing
 * hosts. Trailing full octets ("*" or 0-255) make one span per range of the
 * last octet that is not full, for each value of the octets before it, so the
 * loop runs once per interval produced (at most MAX_INTERVALS): "*.*.*.*" is
 * one step, not 16 million.
 */
export function octetRanges(token: string, refuse: (why: string) => Error): Interval[] | null {
  const fields = token.split('.');
  if (fields.length !== 4) return null;
  const parsed = fields.map(parseOctet);
  if (parsed.some((o) => o === null)) return null;
  const octets = parsed as [number, number][][];
  let full = 0;
  while (full < 4 && isFull(octets[3 - full]!)) full++;
  if (full === 4) return [{ v6: false, lo: 0, hi: 2 ** 32 - 1 }];
  const span = 3 - full; // the last octet that is not full: each of its ranges spans [lo, hi] × 256^full addresses
  const unit = 256 ** full;
  const spanRanges = octets[span]!;
  // The octets before it, as lists of values, walked like an odometer.
  const lead = octets.slice(0, span).map((o) => o.flatMap(([lo, hi]) => Array.from({ length: hi - lo + 1 }, (_, k) => lo + k)));
  if (lead.reduce((n, o) => n * o.length, spanRanges.length) > MAX_INTERVALS) {
    throw refuse(`expands to more than ${MAX_INTERVALS} separate ranges; use CIDR or an exclusion`);
  }
  const at = lead.map(() => 0);
  const out: Interval[] = [];
  for (;;) {
    let base = 0;
    for (let i = 0; i < span; i++) base = base * 256 + lead[i]![at[i]!]!;
    base *= 256 ** (4 - span);
    for (const [lo, hi] of spanRanges) out.push({ v6: false, lo: base + lo * unit, hi: base + (hi + 1) * unit - 1 });
    let i = span - 1;
    while (i >= 0 && at[i] === lead[i]!.length - 1) {
      at[i] = 0;
      i--;
    }
    if (i < 0) return out;
    at[i]!++;
  }
}
