/**
 * A refused socket is kept for the next probe (backends/handle.ts, spare
 * sockets), but a refusal by ICMP port-unreachable that comes while connect()
 * still holds the socket is only a soft error: the socket goes on connecting,
 * and the kernel's second SYN, 1 s later, closes it with the errno pending.
 * A probe that took it after that reported the old refusal as its own answer:
 * an open port was recorded closed. Probes 1.25 s apart (--rate 0.8) take the
 * spare after the second SYN. In a namespace this test creates (root, nftables).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, netnsUnavailable } from './helpers/netns.js';
import { ndjson, runCli } from './helpers/cli.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`network-namespace tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

const REJECTED = 9101;
const OPEN = 9102;

describe.skipIf(skip)('a spare socket refused by ICMP', () => {
  let ns: Netns;
  let listener: ChildProcess;

  beforeAll(async () => {
    ns = Netns.create();
    ns.nft(`
table inet shardscan_test {
  chain input {
    type filter hook input priority 0; policy accept;
    meta nfproto ipv4 tcp dport ${REJECTED} reject with icmp type port-unreachable
  }
}
`);
    listener = await ns.listen(OPEN);
  });

  afterAll(() => {
    listener?.kill('SIGKILL');
    ns?.destroy();
  });

  it('does not give its old refusal to the next port', async () => {
    const r = await runCli(['127.0.0.1', '-p', `${REJECTED},${OPEN}`, '--order', 'serial', '--rate', '0.8', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir'], { prefix: ns.prefix });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const states = Object.fromEntries(ndjson(r.stdout).map((rec) => [rec.port, `${rec.state} ${rec.reason}`]));
    expect(states).toEqual({ [REJECTED]: 'closed ECONNREFUSED', [OPEN]: 'open syn-ack' });
  });
});
