/**
 * A reset or an ICMP error may come from anything on the way (a firewall
 * near the scanner, this machine's own OUTPUT chain), so a host's timeout
 * follows its estimate only once the host itself completed a handshake
 * (timing.ts answered). Followed at once, one port rejected 5 ms away, for
 * a host 150 ms away, cut the timeouts of every other probe in flight to the
 * floor: none was answered in time and the host's open and closed ports all
 * came out filtered. Through the connect loop with a fake backend.
 */
import { describe, expect, it } from 'vitest';
import { TargetSet } from '../src/targets/set.js';
import { HostTable, createHostTable } from '../src/wire/hosts.js';
import type { WorkerScanSpec } from '../src/wire/messages.js';
import { SharedSlots } from '../src/wire/slots.js';
import type { CompleteFn, ProbeBackend } from '../workers/backends/index.js';
import { statusOf } from '../workers/backends/errno.js';
import { estimateUs } from '../workers/rtt.js';
import { runChunk } from './helpers/engine.js';

const PORTS = 16;
const NEAR_MS = 5;
const FAR_MS = 150;
const OPEN = new Set([3, 9]);

async function scan(nearAnswer: string): Promise<{ states: string[]; table: HostTable }> {
  const targets = TargetSet.fromIntervals([{ v6: false, lo: 0x7f000001, hi: 0x7f000001 }]).toData();
  const hosts = createHostTable(1, 64);
  const s: WorkerScanSpec = {
    specId: `t${Math.random()}`, targets, ports: Uint16Array.from({ length: PORTS }, (_, i) => i + 1), permutation: null,
    timing: { initialMs: 1000, minMs: 20, maxMs: 3000, retries: 2, hostTimeoutMs: null, window: 64, hosts: 1 },
    hosts, originMs: performance.timeOrigin, window: 64, engine: 'handle',
    emit: { open: true, closed: true, filtered: true, error: true }, rate: null, hostCounts: false, slots: SharedSlots.createBuffer(), concurrency: 64,
    lateBudget: 16,
  };
  const backend = (_e: unknown, complete: CompleteFn): ProbeBackend => ({
    name: 'handle',
    start(a) {
      // Port 1 is rejected near the scanner; the host answers the rest from afar.
      if (a.port === 1) setTimeout(() => complete(a, statusOf(nearAnswer), false), NEAR_MS);
      else setTimeout(() => complete(a, OPEN.has(a.port) ? 0 : statusOf('ECONNREFUSED'), false), FAR_MS);
      return 0;
    },
    abort() {},
  });
  const records = await runChunk(s, backend, PORTS);
  return { states: records.map((r) => `${r.port} ${r.state}`).sort((x, y) => parseInt(x) - parseInt(y)), table: new HostTable(hosts, 1) };
}

describe.each([['ECONNREFUSED', 'closed'], ['EHOSTUNREACH', 'filtered']])('one port answered %s nearby, the host far away', (nearAnswer, nearState) => {
  it('leaves the other ports to their own answers, and the host is timed by them', async () => {
    const { states, table } = await scan(nearAnswer);
    expect(states).toEqual(Array.from({ length: PORTS }, (_, i) => `${i + 1} ${i === 0 ? nearState : OPEN.has(i + 1) ? 'open' : 'closed'}`));
    // Its timeout estimate covers the far answers (the near one is a sample too: it weighs in srtt, not in the max filter).
    expect(estimateUs(table, table.cellOf(0))).toBeGreaterThanOrEqual((FAR_MS - 1) * 1000);
  });
});
