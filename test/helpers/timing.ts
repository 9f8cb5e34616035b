/** A Timing over a fresh 4-host table, for the unit tests of workers/timing.ts. */
import { HostTable, createHostTable } from '../../src/wire/hosts.js';
import type { TimingParams } from '../../src/wire/messages.js';
import type { Target } from '../../workers/attempt.js';
import { Timing } from '../../workers/timing.js';

/** Defaults: initial 1000 ms, min 100, max 3000, 6 retries, no host timeout. Returns the Timing, host 1's cell and host 1 as a Target. */
export function newTiming(over: Partial<TimingParams> = {}): { t: Timing; cell: number; target: Target } {
  const params: TimingParams = { initialMs: 1000, minMs: 100, maxMs: 3000, retries: 6, hostTimeoutMs: null, window: 1024, hosts: 4, ...over };
  const table = new HostTable(createHostTable(params.hosts, params.window, params.hostTimeoutMs !== null), params.hosts);
  const t = new Timing(table, params, 0);
  const target: Target = { index: 1, host: '127.0.0.2', v6: false, cell: t.cellOf(1), clock: t.clock.clockOf(1), timeoutMs: 0, timedAt: -Infinity };
  return { t, cell: target.cell, target };
}
