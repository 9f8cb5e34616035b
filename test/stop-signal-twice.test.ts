/**
 * One Ctrl+C that arrives twice is one stop. On `timeout 600 shardscan …` a
 * terminal's Ctrl+C reaches timeout and shardscan both, and timeout forwards
 * it: the "second" signal, milliseconds later, took the quit-at-once path,
 * and the JSON report was cut mid-array and -oX had no host (helper 26).
 * A second signal a while after the first still quits at once (cli.test.ts,
 * merge-signals.test.ts). Loopback only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, blackholePorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { recordsIn, whenRunning } from './helpers/wait.js';

let filtered: Fixture;
beforeAll(async () => {
  filtered = await blackholePorts(2);
});
afterAll(() => filtered?.close());

describe('the same stop signal twice, milliseconds apart', () => {
  it('stops once: exit 130, no "interrupted again", the JSON report whole with every record found, the XML report with its host', async () => {
    const cwd = scratchDir();
    // Closed ports' records to write (--states all, paced by --rate; the filtered ones wait 20 s): the stop is still writing them when the second comes.
    const ports = `${filtered.ports.join(',')},30000-44999`;
    const r = await runCli(['127.0.0.1', '-p', ports, '--states', 'all', '--rate', '4000', '-f', 'json', '-oX', 'r.xml', '--timeout', '20000', '--min-rtt-timeout', '20s', '--retries', '0', '--out-dir', 'd'], {
      cwd,
      onSpawn: (child) =>
        whenRunning(
          child,
          () => recordsIn(join(cwd, 'd')) >= 2000,
          () => {
            child.kill('SIGINT');
            setTimeout(() => child.kill('SIGINT'), 5);
          },
        ),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/stopping \(Ctrl\+C again to quit at once\)/);
    expect(r.stderr).not.toMatch(/interrupted again/);
    const doc = JSON.parse(r.stdout) as { records: unknown[]; summary: { status: string } };
    // Every record found is in the report: as many as the shard file holds.
    expect(doc.records.length).toBeGreaterThanOrEqual(2000);
    expect(doc.records.length).toBe(recordsIn(join(cwd, 'd')));
    expect(doc.summary.status).toBe('interrupted');
    const xml = readFileSync(join(cwd, 'r.xml'), 'utf8');
    expect(xml).toMatch(/<address addr="127\.0\.0\.1" addrtype="ipv4"\/>/);
    expect(xml.trimEnd()).toMatch(/<\/nmaprun>$/);
  });
});
