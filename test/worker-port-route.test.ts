/**
 * No route to one port of a host that answers on its others (a policy route
 * by port: `ip rule ... dport 1500 unreachable`). A no-route to a host heard
 * from is retried as this machine's routes changing; for this port it failed
 * every time, first in line, up to 200 tries with back-off, and the scan
 * stalled (workers/route-failures.ts). Now, once the host answered a probe
 * that left after that failure, the port's next failure decides it: an
 * error, tried twice. A failure of every probe (the routes gone a while) is
 * still retried until they come back (engine.test). Through the connect
 * loop with a fake backend.
 */
import { describe, expect, it } from 'vitest';
import { statusOf } from '../workers/backends/errno.js';
import { fakeBackend, oneHostSpec, runChunk } from './helpers/engine.js';

const PORTS = 40;
const BLOCKED = new Set([7, 23]);

describe('no route to some ports of a host that answers on the others', () => {
  it('decides those ports as errors after one retry, the others by their answers', async () => {
    const starts = new Map<number, number>();
    const backend = fakeBackend((a, complete) => {
      starts.set(a.port, (starts.get(a.port) ?? 0) + 1);
      if (BLOCKED.has(a.port)) return statusOf('ENETUNREACH');
      setTimeout(() => complete(a, statusOf('ECONNREFUSED'), false), 2);
      return 0;
    });
    const records = await runChunk(oneHostSpec(PORTS, { window: 4 }), backend, PORTS);
    const states = records.map((r) => `${r.port} ${r.state} ${r.reason}`).sort((x, y) => parseInt(x) - parseInt(y));
    expect(states).toEqual(Array.from({ length: PORTS }, (_, i) => `${i + 1} ${BLOCKED.has(i + 1) ? 'error ENETUNREACH' : 'closed ECONNREFUSED'}`));
    // Port 1 is answered before the blocked ones come up in a window of 4, in serial order; each blocked port is tried at most twice.
    for (const port of BLOCKED) expect(starts.get(port)).toBeLessThanOrEqual(2);
  }, 20_000);
});
