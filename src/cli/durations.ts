/**
 * Time-valued flags: a number with nmap's units (250ms, 2s, .5s, 5m, 1h; any
 * case), or a bare number in the option's own unit. Checked here, so a value
 * the option cannot honour is refused with the typed value quoted.
 */
import { ShardscanError, quote } from '../errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** The typed value in milliseconds, unrounded, the number as typed and whether it had a unit; null for anything else. */
function readDuration(value: string, bare: Unit): { ms: number; n: number; unit: boolean } | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/i.exec(value.trim());
  if (m === null) return null;
  const ms = Number(m[1]) * UNIT_MS[(m[2]?.toLowerCase() ?? bare) as Unit];
  return Number.isFinite(ms) ? { ms, n: Number(m[1]), unit: m[2] !== undefined } : null;
}

/**
 * A duration with a unit, or a bare number: seconds for nmap's own options
 * (`bare` 's': --host-timeout 30 is 30 s in nmap, and was 30 ms here, which
 * gave up every host of an nmap command line at once), milliseconds for
 * shardscan's (--timeout, --banner-timeout). Whole milliseconds from `minMs`
 * to `maxMs`; a value below `minMs` is refused before rounding: --timeout 0.5
 * (0.5 ms, where an nmap user most likely meant 0.5 s) was taken as 1 ms, and
 * --max-rtt-timeout 4.6ms as nmap's least, 5 ms.
 */
export function durationFlag(name: string, value: string, maxMs: number, example: string, bare: 'ms' | 's' = 'ms', minMs = 1): number {
  const d = readDuration(value, bare);
  if (d !== null && !d.unit && bare === 'ms' && d.ms > 0 && d.ms < 1 && d.ms * 1000 >= minMs) {
    throw usage(`bad --${name} '${quote(value)}': a bare number is milliseconds here, and ${d.ms} ms is below the least it can wait, ${minMs} ms; did you mean --${name} ${value.trim()}s?`);
  }
  const ms = d === null ? NaN : Math.round(d.ms);
  if (d === null || d.ms < minMs || !Number.isSafeInteger(ms) || ms > maxMs) {
    const plain = bare === 's' ? 'seconds (as in nmap)' : 'milliseconds';
    throw usage(`bad --${name} '${quote(value)}': give ${plain} or a time with a unit (ms, s, m, h), from ${minMs} to ${maxMs} ms, e.g. --${name} ${example}`);
  }
  return ms;
}

/**
 * --max-time in seconds: a bare number is seconds, as documented (--max-time
 * SEC), and the other time options' units are taken too (2s, 500ms, 5m, 1h;
 * it alone refused them: "give a plain decimal number"). From 1 ms, the
 * shortest a timer waits (a smaller one was taken and waited 1 ms), to
 * `maxSec`; 0, a sign and anything else are refused.
 */
export function maxTimeFlag(value: string, maxSec: number): number {
  const d = readDuration(value, 's');
  const v = quote(value);
  if (d === null) throw usage(`bad --max-time '${v}': give seconds (no sign or exponent; fractions allowed) or a time with a unit (ms, s, m, h), e.g. --max-time 10 or --max-time 5m`);
  if (d.ms < 1) throw usage(`bad --max-time '${v}': give at least 1 ms (0.001 s), e.g. --max-time 10; for no limit, leave it out`);
  if (d.ms > maxSec * 1000) throw usage(`bad --max-time '${v}': at most ${maxSec} seconds (24.8 days); for no limit, leave it out`);
  // A bare number is kept as typed; a unit's product is held to a microsecond (0.1h was 360.00000000000006 s).
  return d.unit ? Math.round(d.ms * 1000) / 1e6 : d.n;
}

function usage(message: string): ShardscanError {
  return new ShardscanError('E_OPTION', message);
}
