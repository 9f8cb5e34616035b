/**
 * LineBytes (src/model/line-bytes.ts) writes a record's JSON line straight
 * into bytes for the hot path. Its output must equal formatLine() byte for
 * byte, for IPv4 hosts given as numbers or text, IPv6, reasons and services
 * that need escaping, and every kind of RTT; and each line must parse back to
 * the record.
 */
import { describe, expect, it } from 'vitest';
import { formatLine } from '../src/model/record.js';
import { PORT_STATES, type PortState } from '../src/model/states.js';
import { LineBytes } from '../src/model/line-bytes.js';
import { formatIPv4 } from '../src/targets/ip.js';
import { type Rng, rng } from './helpers/prng.js';

interface Line {
  host: string | number;
  port: number;
  state: PortState;
  reason: string;
  rttMs: number;
  service: string;
  ts: string;
}

const REASONS = [
  'syn-ack', 'ECONNREFUSED', 'timeout', 'self-connect', '', 'say "hi"', 'back\\slash', 'tab\there', 'new\nline', 'nul\u0000', 'del\u007f',
  'café', '日本語', 'emoji 🚀', 'lone \ud800 surrogate', '\u2028\u2029', '"\\"\\\\', '~ !#$%&\'()*+,-./:;<=>?@[]^_`{|}',
  // Plain ASCII around the length where LineBytes stops copying byte by byte (64) and calls Buffer#write.
  'a'.repeat(64), 'b'.repeat(65), 'plain reason '.repeat(20),
];
const SERVICES = ['ssh', 'http', 'unknown', 'ms-sql-s', 'x"y', 'ünï', ''];
const V6 = ['::1', 'fe80::1', '2001:db8::dead:beef', '::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::ffff:127.0.0.1'];

/** RTTs: 0, integers, 1-3 decimals, large values, and ones that are not whole microseconds. */
function rtt(r: Rng): number {
  switch (r.int(8)) {
    case 0: return 0;
    case 1: return r.int(100_000);
    case 2: return r.int(10_000_000) / 10;
    case 3: return r.int(10_000_000) / 100;
    case 4: return r.int(10_000_000) / 1000;
    case 5: return r.pick([1e6, 123456789.123, 2 ** 40 + 0.5, 9007199254.740991, 1e21, 1.5e300]);
    case 6: return r.pick([1e-7, 0.1 + 0.2, 1 / 3, 0.0005, 0.00049, 4.35, 1.005, 0.001, 999.999]);
    default: return Math.round(r.next() * 5_000_000) / 1000;
  }
}

function randomLine(r: Rng): Line {
  const v4 = r.pick([0, 0xffffffff, 0x7f000001, r.int(2 ** 32), r.int(256)]);
  const kind = r.int(3);
  return {
    host: kind === 0 ? v4 : kind === 1 ? formatIPv4(v4) : r.pick(V6),
    port: r.pick([0, 1, 9, 10, 99, 100, 65535, r.int(65536)]),
    state: r.pick(PORT_STATES),
    reason: r.int(4) === 0 ? r.pick(REASONS) + r.pick(REASONS) : r.pick(REASONS),
    rttMs: rtt(r),
    service: r.pick(SERVICES),
    ts: new Date(1_600_000_000_000 + r.int(2 ** 40)).toISOString(),
  };
}

const hostText = (h: string | number): string => (typeof h === 'number' ? formatIPv4(h) : h);
const expectedLine = (l: Line): string => formatLine(hostText(l.host), l.port, l.state, l.reason, l.rttMs, l.service, l.ts);

describe('LineBytes', () => {
  it.each([1, 2, 3, 4])('equals formatLine byte for byte over 5,000 random records (seed %i)', (seed) => {
    const r = rng(seed);
    // A small starting buffer, so growth is exercised too.
    const w = new LineBytes(64);
    const lines = Array.from({ length: 5000 }, () => randomLine(r));
    for (const l of lines) w.line(l.host, l.port, l.state, l.reason, l.rttMs, l.service, l.ts);
    const got = w.take().split(/(?<=\n)/);
    expect(got).toHaveLength(lines.length);
    let wrong = 0;
    for (let i = 0; i < lines.length; i++) {
      const want = expectedLine(lines[i]!);
      if (got[i] !== want && wrong++ < 5) expect.soft(got[i], `line ${i}`).toBe(want);
    }
    expect(wrong).toBe(0);
  });

  it.each([
    ['IPv4 as a number', 0x7f000001, 0.123],
    ['IPv4 as text', '127.0.0.1', 0],
    ['IPv6', '::1', 1000.047],
    ['escapes', '::1', 12],
  ] as const)('writes lines that parse back to the record: %s', (what, host, rttMs) => {
    const w = new LineBytes();
    const reason = what === 'escapes' ? 'a "q" \\ é 日本 🚀 \n' : 'syn-ack';
    w.line(host, 443, 'open', reason, rttMs, 'https', '2026-01-01T00:00:00.000Z');
    const line = w.take();
    expect(JSON.parse(line)).toEqual({ host: hostText(host), port: 443, state: 'open', reason, rttMs, service: 'https', ts: '2026-01-01T00:00:00.000Z' });
  });

  it('starts empty after take()', () => {
    const w = new LineBytes();
    w.line(1, 1, 'open', 'syn-ack', 1, 'x', 't');
    const first = w.take();
    w.line(2, 2, 'closed', 'ECONNREFUSED', 2, 'y', 'u');
    expect(w.take()).toBe(expectedLine({ host: 2, port: 2, state: 'closed', reason: 'ECONNREFUSED', rttMs: 2, service: 'y', ts: 'u' }));
    expect(first).toBe(expectedLine({ host: 1, port: 1, state: 'open', reason: 'syn-ack', rttMs: 1, service: 'x', ts: 't' }));
    expect(w.take()).toBe('');
  });

  it('writes one very long line that needs escaping into a small buffer', () => {
    const w = new LineBytes(16);
    const reason = '"é\\'.repeat(20_000);
    w.line('::1', 80, 'error', reason, 0.5, 'http', '2026-01-01T00:00:00.000Z');
    expect(w.take()).toBe(formatLine('::1', 80, 'error', reason, 0.5, 'http', '2026-01-01T00:00:00.000Z'));
  });
});
