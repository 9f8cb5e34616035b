/**
 * A host 300 ms away, one of its ports rejected near the scanner: by a
 * firewall on the way or by this machine's own OUTPUT chain (an egress rule
 * for port 25). That answer comes in a few ms; taken as the host's round
 * trip, it cut every other probe in flight to the 100 ms floor, none was
 * answered in time again, and 999 of 1,000 ports came out filtered (found by
 * an audit; nmap was exact). A reset or an ICMP error now times a host only
 * once the host completed a handshake (workers/timing.ts answered).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { nsExec } from '../lab/netns.js';
import { ndjson, runCli } from './helpers/cli.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.9';
const OPEN = [22, 80, 443];
const REJECTED = 25;

describe.skipIf(skip)('a port rejected near the scanner, the host 300 ms away', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 150, seed: 4, hosts: [HOST] });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it.each([
    ['an ICMP admin-prohibited', 'reject with icmpx type admin-prohibited', 'filtered EHOSTUNREACH'],
    ['a reset', 'reject with tcp reset', 'closed ECONNREFUSED'],
  ])("by %s, costs nothing but that port's answer", async (_what, rule, rejected) => {
    nsExec(lab.scanNs, 'nft', ['-f', '-'], `table inet egress {\n chain output {\n  type filter hook output priority 0; policy accept;\n  tcp dport ${REJECTED} ${rule}\n }\n}\n`);
    try {
      const r = await runCli([HOST, '-p', '1-1000', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir'], { prefix: lab.prefix, killAfterMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const tally: Record<string, number> = {};
      for (const x of ndjson(r.stdout) as { port: number; state: string; reason: string }[]) {
        const key = x.port === REJECTED ? `${REJECTED} ${x.state} ${x.reason}` : OPEN.includes(x.port) ? `open ${x.state}` : x.state;
        tally[key] = (tally[key] ?? 0) + 1;
      }
      expect(tally).toEqual({ [`${REJECTED} ${rejected}`]: 1, 'open open': OPEN.length, closed: 1000 - 1 - OPEN.length });
    } finally {
      nsExec(lab.scanNs, 'nft', ['delete', 'table', 'inet', 'egress']);
    }
  });
});
