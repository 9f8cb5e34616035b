/**
 * Exact on a network whose hosts sit at different distances (lab/): three
 * hosts behind one relay at RTT 2, 50 and 300 ms. The near host's answers
 * come first and set the scan's estimate (a ~100 ms timeout); a host with no
 * answer of its own must not be timed by it, or the far host's first probes
 * all time out before its answers come, it never answers, never gets a retry,
 * and every one of its ports is called filtered (nmap -T4 and -T5 do that here).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { scenario } from '../lab/scenarios.js';
import { type Reported, score } from '../lab/truth.js';
import { ndjson, runCli } from './helpers/cli.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();
const s = scenario('mixed', 4);

describe.skipIf(skip)('near and far hosts in one scan: RTT 2, 50 and 300 ms', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create(s.lab);
    for (const l of s.listeners) await lab.listen(l.host, l.ports);
  });
  afterAll(() => lab?.destroy());

  it.each([1, 2])('shardscan at its defaults gets every port of every host right (scan seed %i)', async (seed) => {
    const r = await runCli([...s.targets, '-p', s.portSpec, '--seed', String(seed), '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir'], { prefix: lab.prefix });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const truth = lab.groundTruth(s.hosts, s.ports);
    expect(truth.counts).toEqual({ open: 30, closed: 2970, filtered: 0 });
    const sc = score(truth, ndjson(r.stdout) as unknown as Reported[]);
    expect(sc.examples).toEqual([]);
    expect(sc.exact).toBe(true);
  });
});
