/**
 * A host no probe reached (every port an error: no route, a prohibit route)
 * was `Status: Up` in grep and state="up" in xml, like a live host, while the
 * text report says it was never reached. It is now what nmap says of a host it
 * did not probe (-sL): `Status: Unknown`, <status state="unknown"
 * reason="no-route"/>, counted down in runstats (nmap: up + down = total).
 * A host whose ports all timed out stays up (user-set), as nmap -Pn has it.
 * Runs in a namespace of its own: only its loopback, no route anywhere.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { Netns, netnsUnavailable } from './helpers/netns.js';
import { dtdProblems, parseWithLibnmap, renderHtml, requireNmapTools } from './helpers/nmap-xml.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`network-namespace tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

describe.skipIf(skip)('hosts never reached in grep and xml', () => {
  let ns: Netns;
  const dir = scratchDir('shardscan-unreached-');
  beforeAll(() => {
    requireNmapTools();
    ns = Netns.create();
    // 127.0.0.1's ports 9001-9002 are dropped: they time out (filtered), an answerless host that is still up.
    ns.nft('table inet t {\n chain input {\n  type filter hook input priority 0; policy accept;\n  tcp dport 9001-9002 drop\n }\n}\n');
    execFileSync('ip', ['-n', ns.name, 'route', 'replace', 'prohibit', '198.18.7.0/24']);
  });
  afterAll(() => ns?.destroy());

  it('says Unknown (no-route) of them, Up of a host whose ports timed out; a merge says the same', async () => {
    // 198.18.0.1: no route; 198.18.7.1: a prohibit route; 127.0.0.1: dropped ports.
    const args = ['198.18.0.1,198.18.7.1,127.0.0.1', '-p', '9001,9002', '--timeout', '300', '--retries', '0', '-q'];
    const r = await runCli([...args, '-oX', join(dir, 's.xml'), '-oG', join(dir, 's.gnmap'), '--out-dir', join(dir, 'd'), '--states', 'all'], { prefix: ns.prefix });
    expect(r.code).toBe(0);
    const m = await runCli(['merge', join(dir, 'd'), '--states', 'open', '-oX', join(dir, 'm.xml'), '-oG', join(dir, 'm.gnmap')]);
    expect(m.code).toBe(0);
    for (const base of ['s', 'm']) {
      const grep = readFileSync(join(dir, `${base}.gnmap`), 'utf8');
      expect(grep).toContain('Host: 127.0.0.1 ()\tStatus: Up\n');
      expect(grep).toContain('Host: 198.18.0.1 ()\tStatus: Unknown\n');
      expect(grep).toContain('Host: 198.18.7.1 ()\tStatus: Unknown\n');
      expect(grep).toMatch(/-- 3 IP addresses \(1 host up\) scanned/);
      const path = join(dir, `${base}.xml`);
      const xml = readFileSync(path, 'utf8');
      expect(xml.match(/<status state="unknown" reason="no-route" reason_ttl="0"\/>/g)).toHaveLength(2);
      expect(xml.match(/<status state="up" reason="user-set" reason_ttl="0"\/>/g)).toHaveLength(1);
      expect(xml).toContain('<hosts up="1" down="2" total="3"/>');
      expect(dtdProblems(path)).toBe('');
      const lib = parseWithLibnmap(path);
      expect(lib.hosts.map((h) => `${h.address} ${h.status}`)).toEqual(['127.0.0.1 up', '198.18.0.1 unknown', '198.18.7.1 unknown']);
      expect(lib.hostsUp).toBe(1);
      expect(renderHtml(path)).toContain('198.18.7.1');
    }
  });
});
