/**
 * xml: every <extraports> group has its <extrareasons>, as nmap writes them,
 * counted from the ports' reasons: silent ports are no-response, ICMP
 * unreachables host-unreach and the like (only closed ones had theirs; a
 * filtered group had none). Checked against nmap 7.93 -sT -Pn in such a
 * namespace: `<extrareasons reason="no-response" count="20" proto="tcp"
 * ports="9001-9020"/>` then host-unreach; shardscan knows the count, not the
 * port list (`ports` is optional in nmap.dtd). Runs in a namespace of its own,
 * on its loopback, with nftables dropping and rejecting.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, netnsUnavailable } from './helpers/netns.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { dtdProblems, parseWithLibnmap, renderHtml, requireNmapTools } from './helpers/nmap-xml.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`network-namespace tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

/** 9001-9004 dropped, 9005-9006 host-unreachable, 9007 net-unreachable, 9101-9103 closed (nothing listens). */
const PORTS = '9001-9007,9101-9103';
const EXPECTED = [
  '<extraports state="closed" count="3">',
  '<extrareasons reason="conn-refused" count="3" proto="tcp"/>',
  '</extraports>',
  '<extraports state="filtered" count="7">',
  '<extrareasons reason="no-response" count="4" proto="tcp"/>',
  '<extrareasons reason="host-unreach" count="2" proto="tcp"/>',
  '<extrareasons reason="net-unreach" count="1" proto="tcp"/>',
  '</extraports>',
].join('\n');

describe.skipIf(skip)('xml extrareasons', () => {
  let ns: Netns;
  const dir = scratchDir('shardscan-extrareasons-');
  beforeAll(() => {
    requireNmapTools();
    ns = Netns.create();
    ns.nft(`
table inet shardscan_test {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 9001-9004 drop
    tcp dport 9005-9006 reject with icmpx type host-unreachable
    tcp dport 9007 reject with icmp type net-unreachable
  }
}
`);
  });
  afterAll(() => ns?.destroy());

  function check(path: string): void {
    const xml = readFileSync(path, 'utf8');
    expect(xml).toContain(`<ports>${EXPECTED}\n</ports>`);
    expect(dtdProblems(path)).toBe('');
    expect(parseWithLibnmap(path).hosts[0]).toMatchObject({ address: '127.0.0.1', status: 'up' });
    expect(renderHtml(path)).toContain('127.0.0.1');
  }

  it('gives each hidden state its reasons, counted per nmap reason, most first; a merge gives the same', async () => {
    const r = await runCli(['127.0.0.1', '-p', PORTS, '-f', 'xml', '-o', join(dir, 'r.xml'), '--timeout', '500', '--retries', '0', '-q', '--no-out-dir'], { prefix: ns.prefix });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    check(join(dir, 'r.xml'));
    // A merge of a scan that recorded every state counts the reasons from its records.
    const all = await runCli(['127.0.0.1', '-p', PORTS, '--states', 'all', '-f', 'xml', '-o', join(dir, 'sa.xml'), '--timeout', '500', '--retries', '0', '-q', '--out-dir', join(dir, 'all')], { prefix: ns.prefix });
    expect(all.code).toBe(0);
    const m = await runCli(['merge', join(dir, 'all'), '--states', 'open', '-f', 'xml', '-o', join(dir, 'm.xml')]);
    expect(m.stderr).toBe('');
    check(join(dir, 'm.xml'));
  });
});
