/**
 * `merge --states` narrows what the shard directories recorded, and refuses
 * to show states the scan did not record. When every state was recorded, the
 * merged text and grep reports get their per-host counts from the records.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeView } from '../src/store/merge-states.js';
import type { ProbeRecord } from '../src/model/record.js';
import { type Fixture, closedPorts, openPorts } from './fixtures/net.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

const rec = (host: string, port: number, state: ProbeRecord['state']): ProbeRecord => ({ host, port, state, reason: 'x', rttMs: 1, service: 'unknown', ts: '2026-11-24T00:00:00.000Z' });

describe('the merge view', () => {
  it('refuses a state the scan did not record, saying what it did record', () => {
    expect(() => mergeView(['open'], ['open', 'closed'])).toThrowError(/^shard directories hold only open records \(--states open at scan time\); cannot show closed$/);
    expect(() => mergeView(['open', 'filtered'], ['closed', 'error'])).toThrowError(/hold only open, filtered records \(--states open,filtered at scan time\); cannot show closed, error$/);
  });

  it('keeps the requested states and counts every record per host when all were recorded', () => {
    const v = mergeView(['open', 'closed', 'filtered', 'error'], ['open']);
    const kept = [rec('::1', 1, 'closed'), rec('127.0.0.2', 1, 'open'), rec('127.0.0.2', 2, 'closed'), rec('127.0.0.1', 3, 'filtered')].filter((r) => v.keep(r));
    expect(kept.map((r) => `${r.host}:${r.port}`)).toEqual(['127.0.0.2:1']);
    expect(v.hostCounts('127.0.0.2')).toEqual({ open: 1, closed: 1, filtered: 0, error: 0 });
    expect(v.scannedHosts()).toEqual(['127.0.0.1', '127.0.0.2', '::1']);
  });

  it('without every state recorded, per-host counts are unknown', () => {
    const v = mergeView(['open', 'closed'], undefined);
    expect(v.states).toEqual(['open', 'closed']);
    expect(v.keep(rec('127.0.0.1', 1, 'closed'))).toBe(true);
    expect(v.hostCounts('127.0.0.1')).toBeNull();
    expect(v.scannedHosts()).toBeNull();
  });
});

describe('shardscan merge --states', () => {
  let open: Fixture;
  let ports: string;
  let all: string;
  let openOnly: string;
  beforeAll(async () => {
    open = await openPorts(2);
    ports = [...(await closedPorts(20, '127.0.0.1', open.ports)), ...open.ports].join(',');
    const base = scratchDir();
    all = join(base, 'all');
    openOnly = join(base, 'open');
    const a = await runCli(['127.0.0.1,127.0.0.2', '-p', ports, '--states', 'all', '--out-dir', all, '-q', '-o', '/dev/null']);
    const b = await runCli(['127.0.0.1', '-p', ports, '--out-dir', openOnly, '-q', '-o', '/dev/null']);
    expect([a.code, b.code]).toEqual([0, 0]);
  });
  afterAll(async () => open?.close());

  it('writes only the states asked for', async () => {
    const r = await runCli(['merge', all, '--states', 'open', '-f', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    const records = ndjson(r.stdout);
    expect(records.map((x) => `${x.host}:${x.port}:${x.state}`).sort()).toEqual(open.ports.map((p) => `127.0.0.1:${p}:open`).sort());
    const everything = await runCli(['merge', all, '-f', 'ndjson']);
    expect(ndjson(everything.stdout)).toHaveLength(2 * 22);
  });

  it('grep and text get per-host counts from the records', async () => {
    const g = await runCli(['merge', all, '--states', 'open', '-f', 'grep']);
    expect(g.stdout).toContain('Host: 127.0.0.2 ()\tPorts: \tIgnored State: closed (22)\n');
    expect(g.stdout).toMatch(/^Host: 127\.0\.0\.1 \(\)\tPorts: \d+\/open\/tcp\/\/\/\/\/, \d+\/open\/tcp\/\/\/\/\/\tIgnored State: closed \(20\)$/m);
    const t = await runCli(['merge', all, '--states', 'open']);
    expect(t.stdout).toMatch(/Nmap scan report for 127\.0\.0\.1\nNot shown: 20 closed\n/);
  });

  it('--open: open ports only, and grep and XML leave out hosts without one, as a scan with --open does', async () => {
    const g = await runCli(['merge', all, '--open', '-f', 'grep']);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/^Host: 127\.0\.0\.1 \(\)\tPorts: \d+\/open\/tcp\/\/\/\/\/, \d+\/open\/tcp\/\/\/\/\/\tIgnored State: closed \(20\)$/m);
    expect(g.stdout).not.toContain('127.0.0.2');
    const x = await runCli(['merge', all, '--open', '-f', 'xml']);
    expect(x.code, x.stderr).toBe(0);
    expect(x.stdout).toContain('<address addr="127.0.0.1" addrtype="ipv4"/>');
    expect(x.stdout).not.toContain('127.0.0.2');
    // --states open alone keeps every host of the complete scan in grep (nmap -Pn lists them all).
    const states = await runCli(['merge', all, '--states', 'open', '-f', 'grep']);
    expect(states.stdout).toContain('Host: 127.0.0.2 ()\tStatus: Up\n');
    const both = await runCli(['merge', all, '--open', '--states', 'all']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('shardscan: error: --open is --states open (and lists only hosts with an open port); give --open or --states all, not both\n');
  });

  it('asking for a state the scan did not record is one line, exit 2', async () => {
    const r = await runCli(['merge', openOnly, '--states', 'closed']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shardscan: error: shard directories hold only open records (--states open at scan time); cannot show closed\n');
  });
});
