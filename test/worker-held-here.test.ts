/**
 * A connect() that fails at once with a policy errno (EACCES: a prohibit
 * route or rule; EINVAL: a blackhole one; EPERM: a local hook) sent nothing:
 * it is an error record, not a port state, and no round trip. Taken as an
 * answer it was a 0 ms sample that cut the timeouts of every other probe in
 * flight to the same host, 150 ms away here, and they were all lost
 * (filtered). Through the connect loop with a fake backend.
 */
import { describe, expect, it } from 'vitest';
import { statusOf } from '../workers/backends/errno.js';
import { fakeBackend, oneHostSpec, runChunk } from './helpers/engine.js';

const PORTS = 16;
const FAR_MS = 150;

describe.each(['EACCES', 'EINVAL', 'EPERM'])('connect() failing at once with %s on one port', (errno) => {
  it("is that port's error, and the host's other ports are decided by their answers", async () => {
    const backend = fakeBackend((a, complete) => {
      if (a.port === 1) return statusOf(errno);
      setTimeout(() => complete(a, statusOf('ECONNREFUSED'), false), FAR_MS);
      return 0;
    });
    const records = await runChunk(oneHostSpec(PORTS), backend, PORTS);
    const states = records.map((r) => `${r.port} ${r.state} ${r.reason}`).sort((x, y) => parseInt(x) - parseInt(y));
    expect(states).toEqual([`1 error ${errno}`, ...Array.from({ length: PORTS - 1 }, (_, i) => `${i + 2} closed ECONNREFUSED`)]);
  });
});
