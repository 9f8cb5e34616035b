/**
 * Exact behind a firewall on a lossy path (lab/): a host that drops 900 of
 * 1,000 ports, reached over 1 % loss each way. The few answering ports that
 * lose a packet hide among 900 timeouts; only retrying every timeout of an
 * answering host finds them (a sample of 32 retries missed them in most runs),
 * and their few answers to retries must not throttle the host.
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

  it.each([1, 2])('shardscan at its defaults gets every port right (scan seed %i)', async (seed) => {
    const r = await runCli([HOST, '-p', '1-1000', '--seed', String(seed), '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir'], { prefix: lab.prefix });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const truth = lab.groundTruth([HOST], PORTS);
    expect(truth.counts).toEqual({ open: 10, closed: 90, filtered: 900 });
    const s = score(truth, ndjson(r.stdout) as unknown as Reported[]);
    expect(s.examples).toEqual([]);
    expect(s.exact).toBe(true);
  });
});
