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
import { HostTable } from '../src/wire/hosts.js';
import { statusOf } from '../workers/backends/errno.js';
import { estimateUs } from '../workers/rtt.js';
import { fakeBackend, oneHostSpec, runChunk } from './helpers/engine.js';

const PORTS = 16;
const NEAR_MS = 5;
const FAR_MS = 150;
const OPEN = new Set([3, 9]);

async function scan(nearAnswer: string): Promise<{ states: string[]; table: HostTable }> {
  const s = oneHostSpec(PORTS, { minMs: 20 });
  const backend = fakeBackend((a, complete) => {
    // Port 1 is rejected near the scanner; the host answers the rest from afar.
    if (a.port === 1) setTimeout(() => complete(a, statusOf(nearAnswer), false), NEAR_MS);
    else setTimeout(() => complete(a, OPEN.has(a.port) ? 0 : statusOf('ECONNREFUSED'), false), FAR_MS);
    return 0;
  });
  const records = await runChunk(s, backend, PORTS);
  return { states: records.map((r) => `${r.port} ${r.state}`).sort((x, y) => parseInt(x) - parseInt(y)), table: new HostTable(s.hosts, 1) };
}

describe.each([['ECONNREFUSED', 'closed'], ['EHOSTUNREACH', 'filtered']])('one port answered %s nearby, the host far away', (nearAnswer, nearState) => {
  it('leaves the other ports to their own answers, and the host is timed by them', async () => {
    const { states, table } = await scan(nearAnswer);
    expect(states).toEqual(Array.from({ length: PORTS }, (_, i) => `${i + 1} ${i === 0 ? nearState : OPEN.has(i + 1) ? 'open' : 'closed'}`));
    // Its timeout estimate covers the far answers (the near one is a sample too: it weighs in srtt, not in the max filter).
    expect(estimateUs(table, table.cellOf(0))).toBeGreaterThanOrEqual((FAR_MS - 1) * 1000);
  });
});
