/**
 * IPv4-mapped IPv6 addresses (::ffff:0:0/96, RFC 4291) are IPv4 addresses:
 * a connect to ::ffff:127.0.0.1 is an IPv4 connect to 127.0.0.1. Taken as
 * IPv6 they went around every IPv4 exclusion and every IPv4 row of a
 * blocklist (only the built-in list's ::ffff:0:0/96 row caught them, and
 * --blocklist FILE replaces that list), and were a second host beside their
 * IPv4 form. A target list copied from a dual-stack server's log
 * (Node's remoteAddress) is written so.
 */
import { formatIPv4, parseIPv6 } from './ip.js';
import type { Interval } from './set.js';

const MAPPED_LO = 0xffffn << 32n;
const MAPPED_HI = MAPPED_LO + 0xffffffffn;

/**
 * The interval as the IPv4 addresses it maps when it lies in ::ffff:0:0/96;
 * otherwise as it is. One that reaches over the range's edge stays IPv6: a
 * wide exclusion (::/0) or blocklist row means IPv6, not every IPv4 address
 * too; a target that does is refused (reachesMapped).
 */
export function unmapped(iv: Interval): Interval {
  if (!iv.v6 || iv.lo < MAPPED_LO || iv.hi > MAPPED_HI) return iv;
  return { v6: false, lo: Number(iv.lo - MAPPED_LO), hi: Number(iv.hi - MAPPED_LO) };
}

/** An IPv6 interval that holds IPv4-mapped addresses (after unmapped: one that reaches over the range's edge). */
export function reachesMapped(iv: Interval): boolean {
  return iv.v6 && iv.lo <= MAPPED_HI && iv.hi >= MAPPED_LO;
}

/** An address as text, an IPv4-mapped one as its dotted IPv4 (a name's prefix, NAME/24, is then the IPv4 one it is). */
export function v4Text(address: string): string {
  const v6 = parseIPv6(address);
  return v6 !== null && v6 >= MAPPED_LO && v6 <= MAPPED_HI ? formatIPv4(Number(v6 - MAPPED_LO)) : address;
}
