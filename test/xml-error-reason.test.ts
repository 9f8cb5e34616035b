/**
 * xml: a port in state `error` failed on this machine (no route, a prohibit
 * route), and its reason stays ours, the errno every other format writes. It
 * was written with nmap's name for an ICMP answer from the network
 * (EHOSTUNREACH → reason="host-unreach", EACCES → "admin-prohibited",
 * ENETUNREACH → "net-unreach"), shown or hidden (<extrareasons>), so an XML
 * reader took this machine's own failure for the network's answer.
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

describe.skipIf(skip)('xml reasons of error ports', () => {
  let ns: Netns;
  const dir = scratchDir('shardscan-xml-error-');
  beforeAll(() => {
    requireNmapTools();
    ns = Netns.create();
    // connect() fails at once: EHOSTUNREACH (unreachable route), EACCES (prohibit), ENETUNREACH (no route at all).
    execFileSync('ip', ['-n', ns.name, 'route', 'replace', 'unreachable', '198.18.9.0/24']);
    execFileSync('ip', ['-n', ns.name, 'route', 'replace', 'prohibit', '198.18.7.0/24']);
  });
  afterAll(() => ns?.destroy());

  const TARGETS = '198.18.9.1,198.18.7.1,198.18.0.1';
  const args = [TARGETS, '-p', '9001,9002', '--timeout', '300', '--retries', '0', '-q', '--no-out-dir'];

  it('keeps the errno of a shown error port, not an ICMP answer name', async () => {
    const path = join(dir, 'shown.xml');
    const r = await runCli([...args, '--states', 'all', '-oX', path], { prefix: ns.prefix });
    expect(r.code).toBe(0);
    const xml = readFileSync(path, 'utf8');
    expect(xml).not.toMatch(/reason="(host-unreach|net-unreach|admin-prohibited)"/);
    const lib = parseWithLibnmap(path);
    expect(lib.hosts.map((h) => `${h.address} ${h.services.map((s) => `${s.port}/${s.state}/${s.reason}`).join(' ')}`)).toEqual([
      '198.18.0.1 9001/error/ENETUNREACH 9002/error/ENETUNREACH',
      '198.18.7.1 9001/error/EACCES 9002/error/EACCES',
      '198.18.9.1 9001/error/EHOSTUNREACH 9002/error/EHOSTUNREACH',
    ]);
    expect(dtdProblems(path)).toBe('');
    expect(renderHtml(path)).toContain('EHOSTUNREACH');
  });

  it('names hidden error ports the same way in <extrareasons>', async () => {
    const path = join(dir, 'hidden.xml');
    const r = await runCli([...args, '--states', 'open', '-oX', path], { prefix: ns.prefix });
    expect(r.code).toBe(0);
    const xml = readFileSync(path, 'utf8');
    expect(xml).not.toMatch(/reason="(host-unreach|net-unreach|admin-prohibited)"/);
    for (const errno of ['ENETUNREACH', 'EACCES', 'EHOSTUNREACH']) {
      expect(xml).toContain(`<extraports state="error" count="2">\n<extrareasons reason="${errno}" count="2" proto="tcp"/>\n</extraports>`);
    }
    expect(dtdProblems(path)).toBe('');
    expect(renderHtml(path)).toContain('198.18.9.1');
  });
});
