/**
 * The real thing, in namespaces this test creates: nftables drops (no answer:
 * filtered/timeout) and ICMP unreachables (filtered with the errno), and the
 * loopback self-connect, forced by narrowing the namespace's ephemeral ports.
 * Needs root, iproute2 and nftables (CI installs nftables); set
 * SHARDSCAN_SKIP_ROOT_TESTS=1 to skip on a machine without them.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, netnsUnavailable } from './helpers/netns.js';
import { ndjson, runCli } from './helpers/cli.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) {
  throw new Error(`network-namespace tests cannot run: ${why}. Install it, run as root, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

const DROP = 9001;
const HOST_UNREACH = 9002;
const NET_UNREACH = 9003;
const ADMIN = 9004;
const CLOSED = 9005;
const OPEN = 9006;
const OUT_DROP = 9007;

describe.skipIf(skip)('inside a network namespace', () => {
  let ns: Netns;
  let listener: ChildProcess;

  beforeAll(async () => {
    ns = Netns.create();
    ns.nft(`
table inet shardscan_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport ${DROP} drop
    tcp dport ${HOST_UNREACH} reject with icmpx type host-unreachable
    tcp dport ${NET_UNREACH} reject with icmp type net-unreachable
    tcp dport ${ADMIN} reject with icmpx type admin-prohibited
  }
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport ${OUT_DROP} drop
  }
}
`);
    listener = await ns.listen(OPEN);
  });

  afterAll(() => {
    listener?.kill('SIGKILL');
    ns?.destroy();
  });

  it.each(['handle', 'socket'])('classifies drops and ICMP unreachables (engine %s)', async (engine) => {
    const ports = [DROP, HOST_UNREACH, NET_UNREACH, ADMIN, CLOSED, OPEN, OUT_DROP].join(',');
    const r = await runCli(['127.0.0.1', '-p', ports, '-f', 'ndjson', '--states', 'all', '--timeout', '500', '--retries', '0', '--engine', engine, '-q', '--no-out-dir'], { prefix: ns.prefix });
    expect(r.stderr).toBe('');
    const byPort = new Map(ndjson(r.stdout).map((x) => [x.port as number, x]));
    expect(byPort.get(DROP)).toMatchObject({ state: 'filtered', reason: 'timeout' });
    expect(byPort.get(OUT_DROP)).toMatchObject({ state: 'filtered' });
    expect(byPort.get(HOST_UNREACH)).toMatchObject({ state: 'filtered', reason: 'EHOSTUNREACH' });
    expect(byPort.get(NET_UNREACH)).toMatchObject({ state: 'filtered', reason: 'ENETUNREACH' });
    expect(byPort.get(ADMIN)).toMatchObject({ state: 'filtered', reason: expect.stringMatching(/^(EHOSTUNREACH|EACCES)$/) });
    expect(byPort.get(CLOSED)).toMatchObject({ state: 'closed', reason: 'ECONNREFUSED' });
    expect(byPort.get(OPEN)).toMatchObject({ state: 'open', reason: 'syn-ack' });
    // An ICMP answer is not a timeout: it comes back at once.
    expect(byPort.get(HOST_UNREACH)!.rttMs as number).toBeLessThan(500);
  });

  // IPv6: drops and RSTs. (This kernel sends no ICMPv6 error for a reject on
  // ::1 → ::1 — a plain connect() times out too — so unreachables are covered by IPv4.)
  it('classifies IPv6 ::1 drops and refusals', async () => {
    const r = await runCli(['::1', '-p', [DROP, CLOSED].join(','), '-f', 'ndjson', '--states', 'all', '--timeout', '500', '--retries', '0', '-q', '--no-out-dir'], { prefix: ns.prefix });
    const byPort = new Map(ndjson(r.stdout).map((x) => [x.port as number, x]));
    expect(byPort.get(DROP)).toMatchObject({ host: '::1', state: 'filtered', reason: 'timeout' });
    expect(byPort.get(CLOSED)).toMatchObject({ host: '::1', state: 'closed', reason: 'ECONNREFUSED' });
  });
});

describe.skipIf(skip)('loopback self-connect', () => {
  let ns: Netns;
  beforeAll(() => {
    ns = Netns.create();
    // Two ephemeral ports: connect() prefers the even one, so a probe of
    // 127.0.0.1:40000 leaves from port 40000 and connects to itself.
    ns.sysctl('net.ipv4.ip_local_port_range', '40000 40001');
  });
  afterAll(() => ns?.destroy());

  it.each(['handle', 'socket'])('is detected, retried from another port, and never reported open (engine %s)', async (engine) => {
    const r = await runCli(['127.0.0.1', '-p', '40000-40001', '-f', 'ndjson', '--states', 'all', '--engine', engine, '--no-out-dir'], { prefix: ns.prefix });
    expect(r.code).toBe(0);
    const records = ndjson(r.stdout);
    expect(records.map((x) => [x.port, x.state]).sort()).toEqual([
      [40000, 'closed'],
      [40001, 'closed'],
    ]);
    expect(r.stderr).toMatch(/local events: .*self-connect [1-9]/);
  });
});
