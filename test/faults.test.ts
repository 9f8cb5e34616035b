/** A worker that dies mid-chunk: its chunk is re-run, nothing lost, nothing twice. */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { HOSTS, SEED, keys, twoHostScan } from './helpers/two-hosts.js';

const scan = twoHostScan();

describe('faults', () => {
  it('a worker that dies mid-chunk has its chunk re-run: nothing lost, nothing twice', async () => {
    const r = await runCli([HOSTS, '-p', scan.ports(), '--seed', SEED, '-f', 'ndjson', '--states', 'all', '--no-out-dir'], { env: { SHARDSCAN_FAULT: 'crash:chunk=1:after=200' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/chunk-rerun [1-9]/);
    expect(keys(r.stdout)).toEqual(await scan.unsharded());
  });
});
