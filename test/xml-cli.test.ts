/**
 * `-f xml` end to end: a scan's report, a merge of two shards, and a scan
 * stopped with Ctrl+C all validate against nmap's DTD, render with nmap.xsl
 * and read back through python3-libnmap with the ports and states found.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceName } from '../src/ports/services.js';
import { type Fixture, blackholePorts, closedPorts, openPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { dtdProblems, parseWithLibnmap, renderHtml, requireNmapTools } from './helpers/nmap-xml.js';
import { recordsIn, signalWhen } from './helpers/wait.js';

let open: Fixture;
let filtered: Fixture;
let closed: number[];
let portList: string;

beforeAll(async () => {
  requireNmapTools();
  open = await openPorts(2);
  filtered = await blackholePorts(1);
  closed = await closedPorts(12, '127.0.0.1', [...open.ports, ...filtered.ports]);
  portList = [...open.ports, ...closed, ...filtered.ports].join(',');
});

afterAll(async () => {
  await open?.close();
  await filtered?.close();
});

const sorted = (ports: number[]): number[] => [...ports].sort((a, b) => a - b);

function saved(text: string): string {
  const path = join(scratchDir('shardscan-xml-'), 'out.xml');
  writeFileSync(path, text);
  return path;
}

describe('-f xml', () => {
  it('a scan: valid, rendered by nmap.xsl, read by libnmap with every host, port and state', async () => {
    const r = await runCli(['127.0.0.1,127.0.0.2', '-p', portList, '-f', 'xml', '--states', 'open,filtered', '--timeout', '300', '--retries', '0', '-q', '--no-out-dir']);
    expect(r.code, r.stderr).toBe(0);
    const path = saved(r.stdout);
    expect(dtdProblems(path)).toBe('');
    const html = renderHtml(path);
    expect(html).toContain(String(open.ports[0]));
    const report = parseWithLibnmap(path);
    expect(report).toMatchObject({ scanType: 'connect', numservices: 15, hostsTotal: 2, hostsUp: 2 });
    expect(report.summary).toMatch(/^shardscan done at .*; 2 IP addresses \(2 hosts up\) scanned in [\d.]+ seconds$/);
    const [first, second] = report.hosts;
    expect(first!.address).toBe('127.0.0.1');
    expect(sorted(first!.services.filter((s) => s.state === 'open').map((s) => s.port))).toEqual(sorted(open.ports));
    expect(first!.services.filter((s) => s.state === 'filtered').map((s) => [s.port, s.reason])).toEqual([[filtered.ports[0], 'no-response']]);
    // The port table's name, or, for a port it does not name, no service element (as nmap writes it).
    for (const s of first!.services.filter((x) => x.state === 'open')) {
      const name = serviceName(s.port);
      expect(s).toMatchObject(name === 'unknown' ? { reason: 'syn-ack', service: '', method: null } : { reason: 'syn-ack', service: name, method: 'table', conf: '3' });
    }
    expect(first!.extraports).toEqual({ state: 'closed', count: '12' });
    // 127.0.0.2 has nothing listening: listed with every port closed, as nmap -Pn lists it.
    expect(second).toMatchObject({ address: '127.0.0.2', services: [], extraports: { state: 'closed', count: '15' } });
  });

  it('--host-timeout: the host given up is timedout="true" (valid), Status: Timeout in grep, and so again in a merge of its shard', async () => {
    const cwd = scratchDir();
    // 20,000 probes take far longer than 1 ms: the host is given up after its first ones.
    const r = await runCli(['127.0.0.2', '-p', '1-20000', '--host-timeout', '1ms', '--states', 'open,error', '-f', 'xml', '-oG', 'r.gnmap', '-q', '--out-dir', 'd'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('<host timedout="true"><status state="up"');
    expect(dtdProblems(saved(r.stdout))).toBe('');
    expect(readFileSync(join(cwd, 'r.gnmap'), 'utf8')).toContain('Host: 127.0.0.2 ()\tStatus: Timeout\n');
    // A merge has only the records: the host-timeout ones say it.
    const merged = await runCli(['merge', 'd', '-f', 'xml'], { cwd });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain('<host timedout="true"><status state="up"');
    const whole = await runCli(['127.0.0.2', '-p', '1-20', '-f', 'xml', '-q', '--no-out-dir'], { cwd });
    expect(whole.stdout).toContain('<host><status state="up"');
    expect(whole.stdout).not.toContain('timedout');
  });

  it('--open, as nmap --open: only hosts with an open port are listed, every host is counted up (grep, xml, and merge)', async () => {
    const dir = join(scratchDir(), 'open');
    const r = await runCli(['127.0.0.1,127.0.0.2', '-p', portList, '--open', '-f', 'xml', '--timeout', '300', '--retries', '0', '-q', '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const path = saved(r.stdout);
    expect(dtdProblems(path)).toBe('');
    const report = parseWithLibnmap(path);
    expect(report).toMatchObject({ hostsTotal: 2, hostsUp: 2 });
    expect(report.hosts.map((h) => h.address)).toEqual(['127.0.0.1']);
    expect(sorted(report.hosts[0]!.services.map((s) => s.port))).toEqual(sorted(open.ports));
    const merged = await runCli(['merge', dir, '-f', 'grep']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout.split('\n').filter((l) => l.startsWith('Host: ')).map((l) => l.split('\t')[0])).toEqual(['Host: 127.0.0.1 ()', 'Host: 127.0.0.1 ()']);
    expect(merged.stdout).toMatch(/ -- 2 IP addresses \(2 hosts up\) scanned in /);
    // masscan's --open-only is the same; without either, every host scanned is listed.
    const grep = await runCli(['127.0.0.1,127.0.0.2', '-p', open.ports.join(','), '--open-only', '-f', 'grep', '-q', '--no-out-dir']);
    expect(grep.stdout.match(/Status: Up/g)).toHaveLength(1);
    const all = await runCli(['127.0.0.1,127.0.0.2', '-p', open.ports.join(','), '-f', 'grep', '-q', '--no-out-dir']);
    expect(all.stdout.match(/Status: Up/g)).toHaveLength(2);
  });

  it('merge of two shards writes the same hosts and ports', async () => {
    const base = scratchDir();
    const dirs = [join(base, 's1'), join(base, 's2')];
    for (const [i, dir] of dirs.entries()) {
      const r = await runCli(['127.0.0.1,127.0.0.2', '-p', [...open.ports, ...closed].join(','), '--seed', '5', '--shard', `${i + 1}/2`, '--states', 'all', '--out-dir', dir, '-q', '-o', '/dev/null']);
      expect(r.code, r.stderr).toBe(0);
    }
    const m = await runCli(['merge', ...dirs, '-f', 'xml', '--states', 'open']);
    expect(m.code, m.stderr).toBe(0);
    const path = saved(m.stdout);
    expect(dtdProblems(path)).toBe('');
    expect(renderHtml(path)).toContain(String(open.ports[1]));
    const report = parseWithLibnmap(path);
    expect(report.hostsTotal).toBe(2);
    expect(report.hosts.map((h) => h.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(sorted(report.hosts[0]!.services.map((s) => s.port))).toEqual(sorted(open.ports));
    expect(report.hosts[0]!.extraports).toEqual({ state: 'closed', count: '12' });
    expect(report.hosts[1]!.extraports).toEqual({ state: 'closed', count: '14' });
  });

  it('Ctrl+C: the report is still complete XML, with exit="error" in runstats', async () => {
    const base = scratchDir();
    const out = join(base, 'stopped.xml');
    const dir = join(base, 'shards');
    // Interrupted once both open ports are in the shard file (the filtered one waits 20 s), not after a fixed time
    // that a loaded machine can outrun.
    const r = await runCli(['127.0.0.1', '-p', [...open.ports, ...filtered.ports].join(','), '-f', 'xml', '-o', out, '--timeout', '20000', '--min-rtt-timeout', '20s', '--retries', '0', '--out-dir', dir], {
      onSpawn: (child) => void signalWhen(child, () => recordsIn(dir) >= 2, 'SIGINT'),
    });
    expect(r.code).toBe(130);
    expect(dtdProblems(out)).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/exit="error" errormsg="interrupted \(signal\): partial results"/);
    const report = parseWithLibnmap(out);
    expect(sorted(report.hosts[0]!.services.map((s) => s.port))).toEqual(sorted(open.ports));
    expect(renderHtml(out)).toContain(String(open.ports[0]));
  });
});
