/**
 * Random loss is not congestion (lab/): 2 % loss each way at RTT 20 ms on
 * 20,000 ports. Every lost probe's retry is answered, and that is loss
 * evidence; but random loss takes the same share at any rate, and shrinking
 * the window on it only ratcheted it down (each shrink to a delivery rate the
 * loss had thinned): 40,000 such ports took 10-11 s with 21-27 shrinks, and
 * 2.2-3.0 s once a shrink needed an eighth of a round trip's answers lost
 * (workers/congestion.ts). The scan must stay exact either way.
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { rng, sample } from '../lab/scenarios.js';
import { type Reported, score } from '../lab/truth.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.10';
const PORTS = Array.from({ length: 20_000 }, (_, i) => i + 1);
const OPEN = sample(PORTS, 20, rng(17));

describe.skipIf(skip)('2 % random loss each way at RTT 20 ms, 20,000 ports', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, lossPct: 2, seed: 8, hosts: [HOST] });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it('shardscan at its defaults is exact and does not take the loss for congestion', async () => {
    const summary = join(scratchDir(), 'summary.json');
    const r = await runCli([HOST, '-p', '1-20000', '--seed', '5', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', '--summary-json', summary], { prefix: lab.prefix });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stats = await lab.stats();
    expect(stats.clean).toBe(true);
    // The path really lost packets: ~2 % of 20,000 SYNs.
    expect(stats.relay.ab.lost).toBeGreaterThan(200);
    const s = score(lab.groundTruth([HOST], PORTS), ndjson(r.stdout) as unknown as Reported[]);
    expect(s.examples).toEqual([]);
    expect(s.exact).toBe(true);
    const { timing } = JSON.parse(readFileSync(summary, 'utf8')) as { timing: { retriesAnswered: number; windowShrinks: Record<string, number> } };
    expect(timing.retriesAnswered).toBeGreaterThan(200);
    const shrinks = Object.values(timing.windowShrinks).reduce((a, b) => a + b, 0);
    expect(shrinks).toBeLessThanOrEqual(2);
  });
});
