/**
 * This machine holds back one port by a policy route (`ip rule ... dport
 * 1500 unreachable`): connect() to it fails at once with ENETUNREACH while
 * the host's other ports connect. It was taken for this machine's routes
 * changing, retried first in line with back-off up to 200 times, and the
 * scan stopped after 10 s with "every connect failed on this machine", a
 * quarter of its ports done (found by an audit). Now that port is an error
 * with the no-route note, and the rest of the scan is exact. In serial order,
 * so that the host has answered before the port comes up.
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { nsExec } from '../lab/netns.js';
import { ndjson, runCli } from './helpers/cli.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.11';
const OPEN = [22, 80, 443];
const HELD = 1500;

describe.skipIf(skip)('one port this machine has no route to, by a policy rule', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 5, seed: 6, hosts: [HOST] });
    await lab.listen(HOST, OPEN);
    nsExec(lab.scanNs, 'ip', ['rule', 'add', 'ipproto', 'tcp', 'dport', String(HELD), 'unreachable']);
  });
  afterAll(() => lab?.destroy());

  it('is that port\'s error; the scan goes on and the other ports are exact', async () => {
    const r = await runCli([HOST, '-p', '1-2000', '--order', 'serial', '-f', 'ndjson', '--states', 'all', '--no-out-dir'], { prefix: lab.prefix, killAfterMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const tally: Record<string, number> = {};
    for (const x of ndjson(r.stdout) as { port: number; state: string; reason: string }[]) {
      const key = x.port === HELD ? `${HELD} ${x.state} ${x.reason}` : OPEN.includes(x.port) ? `open ${x.state}` : x.state;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    expect(tally).toEqual({ [`${HELD} error ENETUNREACH`]: 1, 'open open': OPEN.length, closed: 2000 - 1 - OPEN.length });
    expect(r.stderr).toMatch(/has no route to 198\.18\.1\.11/);
  });
});
