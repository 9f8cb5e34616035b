/**
 * A host that comes alive mid-scan (a firewall rule lifted, a host booting)
 * through the lab (lab/), RTT 20 ms, no loss. The probes that left while it
 * was silent time out after it woke, and their retries are answered: that is
 * no loss, and must not shrink the windows. Counted as loss, it shrank them
 * once per round trip, ratcheting: 205 shrinks and 14.8 s for 65,535 ports,
 * against 4.2 s without (found by an audit).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { nsExec } from '../lab/netns.js';
import { rng, sample } from '../lab/scenarios.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { afterFirstProbes, skipLab } from './helpers/lab.js';

const skip = skipLab();

const HOST = '198.18.1.7';
const PORTS = 65535;
const OPEN = sample(Array.from({ length: PORTS }, (_, i) => i + 1), 20, rng(5));
const SILENT = 'table ip asleep { chain input { type filter hook input priority -10; policy drop; }; }\n';

describe.skipIf(skip)('a host that wakes up mid-scan: RTT 20 ms, no loss', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create({ delayMs: 10, seed: 3, hosts: [HOST], nft: SILENT });
    await lab.listen(HOST, OPEN);
  });
  afterAll(() => lab?.destroy());

  it('answers to the retries of probes sent while it slept are no loss: the windows never shrink', async () => {
    const dir = scratchDir();
    const summary = join(dir, 'summary.json');
    let woke = false;
    const r = await runCli([HOST, '-p', `1-${PORTS}`, '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', '--summary-json', summary], {
      prefix: lab.prefix,
      killAfterMs: 120_000,
      // It wakes 1.3 s after the scan's first probes reach the relay: longer than the initial timeout, so its first
      // tries time out while it sleeps. A fixed 1.5 s after the spawn came, under CI's load, within a timeout of
      // the first probes (an answer to a retry then is loss, as at any scan's start: 261 shrinks in one run).
      onSpawn: () =>
        void (async () => {
          await afterFirstProbes(lab, 1300);
          nsExec(lab.tgtNs, 'nft', ['delete', 'table', 'ip', 'asleep']);
          woke = true;
        })(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(woke).toBe(true);
    expect((await lab.stats()).clean).toBe(true);
    const { timing } = JSON.parse(readFileSync(summary, 'utf8')) as { timing: { retriesAnswered: number; windowShrinks: Record<string, number> } };
    // The case happened: probes sent while it slept were retried after it woke, and answered.
    expect(timing.retriesAnswered).toBeGreaterThan(1000);
    expect(timing.windowShrinks).toEqual({});
    // What it answered is right: no closed port called open or the reverse (ports probed while it slept are filtered).
    const open = new Set(OPEN);
    const records = ndjson(r.stdout) as { port: number; state: string }[];
    expect(records).toHaveLength(PORTS);
    expect(records.filter((x) => (x.state === 'open') !== open.has(x.port) && x.state !== 'filtered')).toEqual([]);
    expect(records.filter((x) => x.state === 'closed').length).toBeGreaterThan(PORTS / 2);
  });
});
