/**
 * A scan of more addresses than anyone types by accident needs --yes: more
 * than 2^24 (a /8) outside loopback, or any target that names all of IPv4
 * (0.0.0.0/0, 0.0.0.0-255.255.255.255, *.*.*.*), however much exclusions
 * and the blocklist then take away. Decided when the target set is built,
 * before the first probe.
 */
import { ShardscanError } from '../errors.js';
import { formatCount } from './blocklist.js';
import type { Interval } from './set.js';

/** Above this many non-loopback addresses a scan must be confirmed. */
export const CONFIRM_ABOVE = 2 ** 24;

const LOOPBACK_V4_LO = 127 * 2 ** 24;
const LOOPBACK_V4_HI = 128 * 2 ** 24 - 1;

/** Addresses of merged intervals outside 127.0.0.0/8 and ::1. */
export function nonLoopbackCount(merged: readonly Interval[]): number {
  let n = 0n;
  let n4 = 0;
  for (const iv of merged) {
    if (!iv.v6) {
      const { lo, hi } = iv;
      n4 += hi - lo + 1 - Math.max(0, Math.min(hi, LOOPBACK_V4_HI) - Math.max(lo, LOOPBACK_V4_LO) + 1);
      continue;
    }
    let size = iv.hi - iv.lo + 1n;
    // ::1 is IPv6's loopback.
    const lo = iv.lo > 1n ? iv.lo : 1n;
    const hi = iv.hi < 1n ? iv.hi : 1n;
    if (lo <= hi) size -= hi - lo + 1n;
    n += size;
  }
  return n4 + Number(n);
}

/**
 * Throw E_CONFIRM unless `yes`, when the scan is that large. `included` are
 * the targets as given (merged, before exclusions), `kept` what will be scanned.
 */
export function confirmScanSize(included: readonly Interval[], kept: readonly Interval[], yes: boolean): void {
  if (yes) return;
  const n = nonLoopbackCount(kept);
  if (n > CONFIRM_ABOVE) {
    throw new ShardscanError('E_CONFIRM', `this scan covers ${formatCount(n)} addresses outside loopback, more than ${formatCount(CONFIRM_ABOVE)} (a /8); if you mean it, add --yes`);
  }
  if (included.some((iv) => !iv.v6 && iv.lo === 0 && iv.hi === 0xffffffff)) {
    throw new ShardscanError('E_CONFIRM', `the targets name all of IPv4 (0.0.0.0/0), ${formatCount(n)} addresses after exclusions; if you mean it, add --yes`);
  }
}
