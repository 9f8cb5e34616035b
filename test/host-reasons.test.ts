/**
 * Per-host reasons (xml's extrareasons): the reason a worker decided a
 * position for crosses with its host and state (src/wire/host-delta.ts), and
 * the coordinator keeps per host only reasons that are not their state's usual
 * one (src/model/reasons.ts), up to a bound past which none is known.
 */
import { describe, expect, it } from 'vitest';
import { ReasonTally } from '../src/model/reasons.js';
import { HostCounts } from '../src/pool/host-counts.js';
import { TargetSet } from '../src/targets/set.js';
import { HostDelta, reasonCode } from '../src/wire/host-delta.js';

const LOOP = 0x7f000000; // 127.0.0.0
const targets = (): TargetSet => TargetSet.fromIntervals([{ v6: false, lo: LOOP, hi: LOOP + 3 }]);

describe('per-host reasons', () => {
  it('cross the wire with host and state, and add up per host', () => {
    const d = new HostDelta();
    for (let i = 0; i < 5; i++) d.add(1, 'filtered', reasonCode('timeout'));
    d.add(1, 'filtered', reasonCode('EHOSTUNREACH'));
    d.add(1, 'filtered', reasonCode('EHOSTUNREACH'));
    d.add(1, 'closed', reasonCode('ECONNREFUSED'));
    d.add(1, 'open', reasonCode('ECONNRESET'));
    d.add(2, 'error', reasonCode('ENETUNREACH'));
    d.add(2, 'error', reasonCode('host-timeout'));
    const hc = HostCounts.create(targets(), 100)!;
    hc.add(d.take()!);
    expect(hc.reasonsOf('127.0.0.1')).toEqual({ open: { ECONNRESET: 1 }, closed: { ECONNREFUSED: 1 }, filtered: { timeout: 5, EHOSTUNREACH: 2 }, error: {} });
    expect(hc.reasonsOf('127.0.0.2')).toEqual({ open: {}, closed: {}, filtered: {}, error: { ENETUNREACH: 1, 'host-timeout': 1 } });
    expect(hc.reasonsOf('127.0.0.0')).toEqual({ open: {}, closed: {}, filtered: {}, error: {} });
    expect(hc.reasonsOf('127.0.0.9')).toBeNull();
  });

  it('are unknown for every host once too many hosts have unusual ones', () => {
    const t = new ReasonTally<number>(2);
    t.add(0, 'filtered', 'EHOSTUNREACH');
    t.add(1, 'error', 'ENETUNREACH');
    expect(t.of(1, { open: 0, closed: 0, filtered: 0, error: 1 })).toEqual({ open: {}, closed: {}, filtered: {}, error: { ENETUNREACH: 1 } });
    t.add(2, 'error', 'ENETUNREACH');
    expect(t.of(0, { open: 0, closed: 0, filtered: 1, error: 0 })).toBeNull();
    // Usual reasons take no room: with none kept, a host's reasons follow from its state counts.
    expect(new ReasonTally<number>(0).of(5, { open: 0, closed: 2, filtered: 3, error: 0 })).toEqual({ open: {}, closed: { ECONNREFUSED: 2 }, filtered: { timeout: 3 }, error: {} });
  });
});
