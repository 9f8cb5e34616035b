/**
 * EMFILE while records are written (audit helpers 29 and 31): with more
 * connects in flight than the process has descriptors (SHARDSCAN_FD_LIMIT lies
 * about the limit, as a wrong /proc would), the service names the records are
 * written with were read from data/tcp-ports.tsv at the first record, when the
 * connects could hold every descriptor: the scan ended with Node's "EMFILE:
 * too many open files, open '…/tcp-ports.tsv'" (exit 1) and its reports empty.
 * The CLI's bundle now holds the list (src/build-bundle.ts builtInPorts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

/** A scan of closed loopback ports under `ulimit -n` descriptors that it believes are 20,000, with an xml report (which names services from the first record on). */
async function tightScan(ulimit: number, target: string, ports: string, count: number): Promise<void> {
  const dir = scratchDir();
  const args = [target, '-p', ports, '--workers', '2', '--seed', '42', '--states', 'all', '-f', 'ndjson', '-o', 'all.ndjson', '-oN', 'all.nmap', '-oX', 'all.xml', '--out-dir', 'shard'];
  const r = await runCli(args, { cwd: dir, prefix: `ulimit -n ${ulimit}; exec`, env: { SHARDSCAN_FD_LIMIT: '20000' } });
  expect(r.stderr).not.toMatch(/tcp-ports\.tsv|cannot write the report/);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/local events: .*EMFILE \d+/); // the limit was hit, and backed off
  const records = readFileSync(join(dir, 'all.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { host: string; port: number; state: string });
  expect(records).toHaveLength(count);
  expect(records.filter((x) => x.state !== 'closed' && x.state !== 'open')).toEqual([]); // EMFILE is never a state
  expect(new Set(records.map((x) => `${x.host}:${x.port}`)).size).toBe(count);
  expect(readFileSync(join(dir, 'all.xml'), 'utf8').match(/<port /g)).toHaveLength(count);
  expect(readFileSync(join(dir, 'all.nmap'), 'utf8')).toContain(`, ${count} of ${count} probes in `);
}

describe('EMFILE while the first records are written is backed off as any EMFILE: exit 0, every record in every report', () => {
  // Before: 3 of 4 runs ended with exit 1 (helper 31), and the large one 4 of 4 here.
  it('960 probes under 40 descriptors', () => tightScan(40, '127.0.1.0/27', '1-30', 960), 60_000);
  it('40,960 probes under 128 descriptors', () => tightScan(128, '127.0.0.0/22', '18000-18039', 40_960), 60_000);
});
