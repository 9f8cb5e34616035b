/** A Timing over a fresh 4-host table, for the unit tests of workers/timing.ts. */
import { HostTable, createHostTable } from '../../src/wire/hosts.js';
import type { TimingParams } from '../../src/wire/messages.js';
import { Timing } from '../../workers/timing.js';

/** Defaults: initial 1000 ms, min 100, max 3000, 6 retries, no host timeout. Returns the Timing and host 1's cell. */
export function newTiming(over: Partial<TimingParams> = {}): { t: Timing; cell: number } {
  const params: TimingParams = { initialMs: 1000, minMs: 100, maxMs: 3000, retries: 6, hostTimeoutMs: null, window: 1024, hosts: 4, ...over };
  const table = new HostTable(createHostTable(params.hosts, params.window), params.hosts);
  const t = new Timing(table, params, 0);
  return { t, cell: t.cellOf(1) };
}
