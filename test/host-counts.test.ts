/**
 * Per-host state counts (src/wire/host-delta.ts, worker side; src/pool/host-counts.ts,
 * coordinator side): committed (host, state) pairs packed in the worker add up
 * per host in the coordinator, in 8-bit counters when a host has at most 255
 * ports and 16-bit ones otherwise; above MAX_TRACKED_HOSTS nothing is tracked.
 */
import { describe, expect, it } from 'vitest';
import { HostCounts, MAX_TRACKED_HOSTS } from '../src/pool/host-counts.js';
import { PORT_STATES, type PortState } from '../src/model/states.js';
import { TargetSet } from '../src/targets/set.js';
import { HostDelta, readHostDelta } from '../src/wire/host-delta.js';
import { rng } from './helpers/prng.js';

const v4 = (lo: number, hi: number): TargetSet => TargetSet.fromIntervals([{ v6: false, lo, hi }]);
const LOOP = 0x7f000000; // 127.0.0.0

/** 127.0.0.0-127.0.0.9 and ::1-::5: ten IPv4 hosts (indexes 0-9), then five IPv6 (10-14). */
const mixed = (): TargetSet =>
  TargetSet.fromIntervals([
    { v6: false, lo: LOOP, hi: LOOP + 9 },
    { v6: true, lo: 1n, hi: 5n },
  ]);

function delta(pairs: readonly [number, PortState][]): Float64Array {
  const d = new HostDelta();
  for (const [h, s] of pairs) d.add(h, s);
  return d.take()!;
}

describe('HostDelta', () => {
  it('packs pairs that read back in order, growing past its first buffer', () => {
    const r = rng(11);
    const pairs = Array.from({ length: 5000 }, () => [r.int(MAX_TRACKED_HOSTS), r.pick(PORT_STATES)] as [number, PortState]);
    pairs.push([MAX_TRACKED_HOSTS - 1, 'error'], [0, 'open']);
    const d = new HostDelta();
    for (const [h, s] of pairs) d.add(h, s);
    expect(d.size).toBe(pairs.length);
    const out: [number, PortState][] = [];
    readHostDelta(d.take()!, (h, s) => out.push([h, PORT_STATES[s]!]));
    expect(out).toEqual(pairs);
  });

  it('starts empty after take(), and gives null when empty', () => {
    const d = new HostDelta();
    expect(d.take()).toBeNull();
    d.add(3, 'open');
    expect(d.take()).toHaveLength(1);
    expect(d.size).toBe(0);
    expect(d.take()).toBeNull();
  });
});

describe('HostCounts', () => {
  it('adds deltas per host and state, IPv4 and IPv6 alike', () => {
    const hc = HostCounts.create(mixed(), 100)!;
    hc.add(delta([[0, 'open'], [0, 'closed'], [0, 'closed'], [9, 'filtered'], [10, 'error']]));
    hc.add(delta([[0, 'closed'], [14, 'open']]));
    expect(hc.get('127.0.0.0')).toEqual({ open: 1, closed: 3, filtered: 0, error: 0 });
    expect(hc.get('127.0.0.9')).toEqual({ open: 0, closed: 0, filtered: 1, error: 0 });
    expect(hc.get('::1')).toEqual({ open: 0, closed: 0, filtered: 0, error: 1 });
    expect(hc.get('::5')).toEqual({ open: 1, closed: 0, filtered: 0, error: 0 });
    expect(hc.get('127.0.0.5')).toEqual({ open: 0, closed: 0, filtered: 0, error: 0 });
  });

  it('knows nothing of hosts outside the scan', () => {
    const hc = HostCounts.create(mixed(), 100)!;
    expect(hc.get('127.0.0.10')).toBeNull();
    expect(hc.get('::6')).toBeNull();
    expect(hc.get('not-an-address')).toBeNull();
  });

  it.each([
    // [ports per host, bytes per counter]
    [1, 1],
    [255, 1],
    [256, 2],
    [65535, 2],
  ])('counts up to %i ports per host (counters of %i byte)', (ports, bytes) => {
    const hc = HostCounts.create(v4(LOOP, LOOP + 1), ports)!;
    // Memory is the reason for the 8-bit form: check the counters' width.
    expect((hc as unknown as { counts: { BYTES_PER_ELEMENT: number } }).counts.BYTES_PER_ELEMENT).toBe(bytes);
    hc.add(delta(Array.from({ length: ports }, () => [1, 'closed'] as [number, PortState])));
    expect(hc.get('127.0.0.1')!.closed).toBe(ports);
    expect(hc.get('127.0.0.0')!.closed).toBe(0);
  });

  it('tracks at most MAX_TRACKED_HOSTS hosts', () => {
    expect(MAX_TRACKED_HOSTS).toBe(1 << 20);
    expect(HostCounts.create(v4(LOOP, LOOP + MAX_TRACKED_HOSTS - 1), 1)).not.toBeNull();
    expect(HostCounts.create(v4(LOOP, LOOP + MAX_TRACKED_HOSTS), 1)).toBeNull();
  });
});
