/**
 * The text report's line for hosts not listed, after a stopped run that does
 * not know which hosts it probed (a resume keeps no per-host counts). It said
 * "the other hosts probed have no open ports (not listed); the scan stopped
 * before it probed every host" of a one-host scan whose host was listed, and
 * of one whose host had been probed.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ScanSummary } from '../src/model/summary.js';
import { type ReportContext, WRITERS } from '../src/output/formats.js';
import type { ProbeRecord } from '../src/model/record.js';

const rec = (host: string, port: number, state: ProbeRecord['state']): ProbeRecord => ({
  host, port, state, reason: state === 'filtered' ? 'timeout' : 'syn-ack', rttMs: 2000, service: 'unknown', ts: '2026-11-24T00:00:00.000Z',
});

function stopped(hosts: number, done: number): ScanSummary {
  return {
    status: 'interrupted', stopReason: 'time-limit', scanKey: '0123456789abcdef', seed: 7, order: 'random', shard: { index: 1, total: 1 },
    hosts, ports: 4, probes: hosts * 4, done, counts: { open: 0, closed: done, filtered: 0, error: 0 }, events: {},
    engine: 'handle', workers: 1, concurrency: 8, startedAt: '2026-11-24T00:00:00.000Z', elapsedMs: 930, rate: 3,
  };
}

async function text(hosts: number, done: number, states: ReportContext['states'], records: ProbeRecord[]): Promise<string> {
  const s = stopped(hosts, done);
  // As after a resume: no per-host counts, the hosts probed unknown.
  const ctx: ReportContext = {
    version: '0.1.0', command: 'shardscan resume d', startedAt: s.startedAt, seed: 7, order: 'random', hosts, ports: 4, states,
    summary: () => s, hostCounts: () => null, scannedHosts: () => null,
  };
  const out = new PassThrough();
  let t = '';
  out.on('data', (d: Buffer) => (t += d.toString()));
  await WRITERS.text((async function* () { yield records; })(), out, ctx);
  return t;
}

describe('the quiet line after a resumed run that stopped again', () => {
  it('says nothing of other hosts when the one host is listed', async () => {
    const t = await text(1, 3, ['open', 'closed', 'filtered', 'error'], [rec('127.0.0.1', 1, 'closed')]);
    expect(t).toContain('Nmap scan report for 127.0.0.1');
    expect(t).not.toMatch(/other hosts|probed every host/);
    expect(t).toContain('\nthe scan stopped early, before it probed every port of every host\n');
  });

  it('counts the one host as probed when a probe was decided', async () => {
    const t = await text(1, 3, ['open'], []);
    expect(t).not.toMatch(/other hosts|probed every host/);
    expect(t).toContain('\n1 of 1 hosts probed have no open ports (not listed); the scan stopped early, before it probed every port of every host\n');
  });

  it('with several hosts, counts those not listed and says what they may be', async () => {
    const t = await text(4, 9, ['open'], [rec('127.0.0.2', 80, 'open')]);
    expect(t).not.toMatch(/other hosts|probed every host/);
    expect(t).toContain('\n3 of 4 hosts are not listed: none of the ports probed on them is open, or the scan stopped before it probed them\n');
  });
});
