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

const LOOPBACK_V4 = { lo: 127n << 24n, hi: (128n << 24n) - 1n };

/** Addresses of merged intervals outside 127.0.0.0/8 and ::1. */
export function nonLoopbackCount(merged: readonly Interval[]): number {
  let n = 0n;
  for (const iv of merged) {
    let size = iv.hi - iv.lo + 1n;
    const loop = iv.v6 ? { lo: 1n, hi: 1n } : LOOPBACK_V4;
    const lo = iv.lo > loop.lo ? iv.lo : loop.lo;
    const hi = iv.hi < loop.hi ? iv.hi : loop.hi;
    if (lo <= hi) size -= hi - lo + 1n;
    n += size;
  }
  return Number(n);
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
  if (included.some((iv) => !iv.v6 && iv.lo === 0n && iv.hi === 0xffffffffn)) {
    throw new ShardscanError('E_CONFIRM', `the targets name all of IPv4 (0.0.0.0/0), ${formatCount(n)} addresses after exclusions; if you mean it, add --yes`);
  }
}
