/** Machine shards: y processes merged equal one unsharded run; merge and validate refuse what does not fit. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { HOSTS, SEED, keys, twoHostScan } from './helpers/two-hosts.js';

const scan = twoHostScan();

describe('machine shards', () => {
  it('y shard processes, merged, equal one unsharded run exactly', async () => {
    const base = scratchDir();
    const dirs = [1, 2, 3].map((x) => join(base, `s${x}`));
    const runs = await Promise.all(
      dirs.map((dir, i) => runCli([HOSTS, '-p', scan.ports(), '--seed', SEED, '--shard', `${i + 1}/3`, '--states', 'all', '--out-dir', dir, '-q', '-f', 'ndjson'])),
    );
    for (const r of runs) expect(r.code).toBe(0);
    // Disjoint: no record in two shards.
    const perShard = runs.map((r) => keys(r.stdout));
    expect(new Set(perShard.flat()).size).toBe(perShard.flat().length);
    const merged = await runCli(['merge', ...dirs, '-f', 'ndjson']);
    expect(merged.code).toBe(0);
    expect(keys(merged.stdout)).toEqual(await scan.unsharded());
    expect(keys(merged.stdout)).toHaveLength(2 * 3004);
    const text = await runCli(['merge', ...dirs]);
    expect(text.stdout).toContain('Nmap scan report for 127.0.0.1');
    for (const p of scan.open()) expect(text.stdout).toMatch(new RegExp(`^${p}/tcp\\s+open`, 'm'));
  });

  it('merge refuses other scans and names missing shards', async () => {
    const base = scratchDir();
    const a = join(base, 'a');
    const b = join(base, 'b');
    const c = join(base, 'c');
    await runCli(['127.0.0.1', '-p', '1-50', '--seed', '1', '--shard', '1/3', '--out-dir', a, '-q', '-f', 'ndjson']);
    await runCli(['127.0.0.1', '-p', '1-50', '--seed', '2', '--shard', '2/3', '--out-dir', b, '-q', '-f', 'ndjson']);
    await runCli(['127.0.0.1', '-p', '1-50', '--seed', '1', '--shard', '3/3', '--out-dir', c, '-q', '-f', 'ndjson']);
    const other = await runCli(['merge', a, b]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/is from a different scan .*\(seed 1 vs 2\)/);
    const missing = await runCli(['merge', a, c]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing shard 2\/3/);
    const twice = await runCli(['merge', a, a]);
    expect(twice.stderr).toMatch(/shard 1\/3 is given twice/);
    const partial = await runCli(['merge', a, c, '--allow-partial', '-f', 'ndjson']);
    expect(partial.code).toBe(0);
  });

  it('validate checks every file against the schemas and names the bad line', async () => {
    const dir = join(scratchDir(), 'v');
    await runCli(['127.0.0.1', '-p', `1-100,${scan.open().join(',')}`, '--states', 'all', '--out-dir', dir, '-q', '-f', 'ndjson']);
    const ok = await runCli(['validate', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok \(manifest, checkpoint, 104 records\)/);
    const file = join(dir, 'shard-1-of-1.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"state":"closed"', '"state":"shut"').replace('"state":"open"', '"state":"shut"');
    writeFileSync(file, lines.join('\n'));
    const bad = await runCli(['validate', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/shard-1-of-1\.ndjson:3: \/state must be one of "open", "closed", "filtered", "error"/);
    const notDir = await runCli(['validate', scratchDir()]);
    expect(notDir.code).toBe(1);
    expect(notDir.stdout).toMatch(/manifest\.json does not exist/);
  });
});

describe("one shard's own reports", () => {
  it('count the hosts that shard probed, not every host of the scan (a shard that probed none said "2 hosts up")', async () => {
    const cwd = scratchDir();
    const perShard: { hosts: number; xml: string; grep: string; text: string }[] = [];
    for (let k = 1; k <= 3; k++) {
      const r = await runCli(['127.0.0.1', '127.0.0.2', '-p', '1', '--seed', '3', '--shard', `${k}/3`, '--out-dir', `s${k}`, '-q', '-oA', `r${k}`], { cwd });
      expect(r.code, r.stderr).toBe(0);
      // The same shard with every state recorded: the hosts it probes.
      const all = await runCli(['127.0.0.1', '127.0.0.2', '-p', '1', '--seed', '3', '--shard', `${k}/3`, '--no-out-dir', '-q', '--states', 'all', '-f', 'ndjson'], { cwd });
      const hosts = new Set(ndjson(all.stdout).map((x) => x.host)).size;
      perShard.push({ hosts, xml: readFileSync(join(cwd, `r${k}.xml`), 'utf8'), grep: readFileSync(join(cwd, `r${k}.gnmap`), 'utf8'), text: readFileSync(join(cwd, `r${k}.nmap`), 'utf8') });
    }
    // Two positions over three shards: one shard probed nothing.
    expect(perShard.map((s) => s.hosts).sort()).toEqual([0, 1, 1]);
    for (const { hosts, xml, grep, text } of perShard) {
      expect(xml).toContain(`<hosts up="${hosts}" down="0" total="${hosts}"/>`);
      expect(grep).toMatch(new RegExp(`-- ${hosts} IP address(es)? \\(${hosts} hosts? up\\) scanned`));
      if (hosts > 0) expect(text).toContain(`${hosts} of ${hosts} hosts this shard probed have no open ports (not listed)`);
      else expect(text).not.toMatch(/hosts (this shard probed )?have no/);
    }
    // Merged, the scan is whole again: both hosts.
    const merged = await runCli(['merge', 's1', 's2', 's3', '-f', 'xml'], { cwd });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toContain('<hosts up="2" down="0" total="2"/>');
  });
});
