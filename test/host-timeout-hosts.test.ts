/**
 * --host-timeout is per host, also past the hosts that have a timing cell of
 * their own (src/wire/hosts.ts): a neighbour running out of time gives up no
 * other host, and the summary's count, the reports' marks and the records
 * name the same hosts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_EXACT_HOSTS } from '../src/wire/hosts.js';
import { runCli, scratchDir } from './helpers/cli.js';

describe('--host-timeout past the exact timing cells', () => {
  it('gives up hosts one by one: records, grep "Status: Timeout" and hostsGivenUp agree', async () => {
    // 16,400 hosts (past MAX_EXACT_HOSTS, so neighbours share a timing cell) × 3 closed ports.
    expect(16_400).toBeGreaterThan(MAX_EXACT_HOSTS);
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.0-127.0.64.15', '-p', '1-3', '--host-timeout', '1ms', '--states', 'all', '-f', 'ndjson', '-o', 'r.ndjson', '-oG', 'r.gnmap', '--summary-json', 's.json', '-q', '--no-out-dir'], { cwd, killAfterMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const records = readFileSync(join(cwd, 'r.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { host: string; state: string; reason: string });
    expect(records).toHaveLength(16_400 * 3);
    const cut = new Set(records.filter((x) => x.reason === 'host-timeout').map((x) => x.host));
    // 1 ms is far shorter than a walk of 49,200 probes: hosts are given up.
    expect(cut.size).toBeGreaterThan(0);
    const marked = new Set([...readFileSync(join(cwd, 'r.gnmap'), 'utf8').matchAll(/^Host: (\S+) \(\)\tStatus: Timeout$/gm)].map((m) => m[1]!));
    expect([...marked].sort()).toEqual([...cut].sort());
    const summary = JSON.parse(readFileSync(join(cwd, 's.json'), 'utf8')) as { timing: { hostsGivenUp: number } };
    expect(summary.timing.hostsGivenUp).toBe(cut.size);
    // Every host has one record a port, given up or not: a port is not both answered and given up, nor left out.
    const perHost = new Map<string, Set<number>>();
    for (const x of records as { host: string; port: number }[]) perHost.set(x.host, (perHost.get(x.host) ?? new Set()).add(x.port));
    expect(perHost.size).toBe(16_400);
    expect([...perHost.values()].filter((ports) => ports.size !== 3)).toEqual([]);
  });

  it('says at the start that in random order a long scan gives every host up (not in serial order, nor for one host)', async () => {
    const note = "shardscan: --host-timeout counts from a host's first probe, and in random order each host's ports are spread over the whole scan: a scan longer than 30 s gives hosts up however fast they answer; --order serial scans host by host, as nmap's host groups do\n";
    const run = (args: string[]) => runCli([...args, '-p', '1-3', '--host-timeout', '30s', '--no-out-dir', '-o', '/dev/null'], { killAfterMs: 30_000 });
    const random = await run(['127.0.0.1-127.0.0.2']);
    expect(random.code, random.stderr).toBe(0);
    expect(random.stderr.startsWith(note)).toBe(true);
    for (const args of [['127.0.0.1-127.0.0.2', '--order', 'serial'], ['127.0.0.1']]) {
      const r = await run(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('--host-timeout');
    }
  });

  it('is refused past 1,048,576 hosts, before any probe (clocks shared there gave up hosts never probed)', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.0/11', '-p', '1', '--host-timeout', '1s', '--out-dir', 'd'], { cwd, killAfterMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shardscan: error: --host-timeout times each host on its own clock, for up to 1,048,576 hosts; this scan has 2,097,152: scan smaller networks in turn, or leave out --host-timeout\n');
    expect(readdirSync(cwd)).toEqual([]);
  });
});
