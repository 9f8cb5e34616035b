/**
 * The nothing-answered note names how long the probes waited: a first try to
 * a silent host listens past --initial-rtt-timeout for a late answer, and its
 * record's rttMs says so. The note named --initial-rtt-timeout (1000 ms)
 * while the record said rttMs 2000 (audit N1). A port of a stopped listener
 * with a full accept queue on loopback answers nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, blackholePorts } from './fixtures/net.js';
import { ndjson, runCli } from './helpers/cli.js';

let silent: Fixture;
beforeAll(async () => {
  silent = await blackholePorts(1);
});
afterAll(async () => {
  await silent.close();
});

describe('the nothing-answered note on loopback', () => {
  it('names the wait the record shows, not the initial timeout alone', async () => {
    const r = await runCli(['127.0.0.1', '-p', String(silent.ports[0]), '--initial-rtt-timeout', '300ms', '--no-out-dir', '-f', 'ndjson', '--states', 'all']);
    expect(r.code, r.stderr).toBe(0);
    const records = ndjson(r.stdout);
    expect(records.map((x) => `${x.state}/${x.reason}/${x.rttMs}`)).toEqual(['filtered/timeout/600']);
    expect(r.stderr).toMatch(/^shardscan: note: nothing answered .*round trip is longer than the 600 ms each probe waited \(--initial-rtt-timeout 300 ms, then on for a late answer\); if they may be that far, raise --initial-rtt-timeout$/m);
  });
});
