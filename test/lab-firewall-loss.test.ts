/**
 * Exact behind a firewall on a lossy path (lab/): a host that drops 900 of
 * 1,000 ports, reached over 1 % loss each way. The few answering ports that
 * lose a packet hide among 900 timeouts; only retrying every timeout of an
 * answering host finds them (a sample of 32 retries missed them in most runs),
 * and their few answers to retries must not throttle the host.
 *
 * Four scans, at most one port wrong among them, and only as the floor of
 * retries by evidence: an answering port whose first try and one retry were
 * both lost, on a host with no other retry answered, is what a dropped port
 * looks like (README, Timing on real networks: 4 such scans of 682 under the
 * full suite's load, 2026-12-07; nmap has the same limit). Two scans that had
 * to be exact failed the suite in ~1 run of 100 by that floor alone, and more
 * under CI's load, where the lab's fixed seed lost the same first tries run
 * after run. The old rule's ~2 misses a scan (8 in four) cannot pass.
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { type Reported, score } from '../lab/truth.js';
import { ndjson, runCli } from './helpers/cli.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.2';
const PORTS = Array.from({ length: 1000 }, (_, i) => i + 1);
const random = rng(7);
const ANSWERING = sample(PORTS, 100, random);
const OPEN = sample(ANSWERING, 10, random);

describe.skipIf(skip)('a firewalled host over 1 % loss each way, RTT 20 ms', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, jitterMs: 1, lossPct: 1, seed: 3, hosts: [HOST], rules: [{ kind: 'firewall', host: HOST, allow: ANSWERING }] });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults gets every port right in four scans but for at most one lost twice', async () => {
    const truth = lab.groundTruth([HOST], PORTS);
    expect(truth.counts).toEqual({ open: 10, closed: 90, filtered: 900 });
    const floor: string[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const r = await runCli([HOST, '-p', '1-1000', '--seed', String(seed), '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir'], { prefix: lab.prefix });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const records = ndjson(r.stdout) as unknown as Reported[];
      const s = score(truth, records);
      expect(s.missing + s.unexpected + s.falseOpens + s.filteredAsClosed).toBe(0);
      // Every port wrong is an answering port called filtered for want of an answer (never closed for open).
      const wrong = records.filter((x) => x.state !== lab.expectedOf(HOST, x.port).state);
      for (const x of wrong) {
        expect(`${x.port} ${x.state} ${x.reason}`).toBe(`${x.port} filtered timeout`);
        floor.push(`seed ${seed}: ${HOST}:${x.port} (${lab.expectedOf(HOST, x.port).state}) filtered`);
      }
    }
    expect(floor.length, floor.join('; ')).toBeLessThanOrEqual(1);
  }, 60_000);
});
