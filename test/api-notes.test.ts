/**
 * scan()'s `notes`: what the setup changed or left out, as the CLI says it
 * on stderr. The library dropped them all (helper 13): a host the blocklist
 * took out, a capped option, with no word. Loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../src/api.js';

const BLOCKLIST = join(mkdtempSync(join(tmpdir(), 'shardscan-notes-')), 'blocklist.tsv');
writeFileSync(BLOCKLIST, '127.0.0.2/32\ttest row\n');
afterAll(() => rmSync(dirname(BLOCKLIST), { recursive: true, force: true }));

describe('scan() notes', () => {
  it('says a blocked host and a capped timeout, naming scan() options', async () => {
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.0/30'], ports: '1-3', blocklist: BLOCKLIST, timeoutMs: 2000, maxRttTimeoutMs: 300_000, states: ['closed'] });
    const records = [];
    for await (const r of run) records.push(r);
    expect(new Set(records.map((r) => r.host))).toEqual(new Set(['127.0.0.0', '127.0.0.1', '127.0.0.3']));
    const notes = await run.notes;
    expect(notes).toContain("1 address excluded by the blocklist '" + BLOCKLIST + "': 127.0.0.2 (test row)");
    expect(notes.some((n) => /^--max-rtt-timeout 300000 ms is above --timeout 2000 ms.*\(scan\(\)'s options: --max-rtt-timeout is maxRttTimeoutMs, --timeout is timeoutMs\)$/.test(n))).toBe(true);
  });

  // Helper 13 (again in helper 22): scan() read no config file, but its note said "the config file's".
  it('names the resolved option as an option, not as a config file\'s key', async () => {
    const run = scan({ ignoreTuning: true, targets: ['box.test'], resolved: { 'box.test': '127.0.0.1' }, ports: '1', states: ['closed'] });
    for await (const r of run) void r;
    const notes = await run.notes;
    expect(notes).toContain('names taken from the "resolved" option, not looked up: box.test as 127.0.0.1 (leave "resolved" out to look them up now)');
  });

  it('is empty when there is nothing to say, and rejects as the summary does on bad options', async () => {
    const run = scan({ ignoreTuning: true, targets: ['127.0.0.1'], ports: '1' });
    for await (const r of run) void r;
    expect(await run.notes).toEqual([]);
    const bad = scan({ ignoreTuning: true, targets: [], ports: '1' });
    await expect(bad.notes).rejects.toMatchObject({ code: 'E_TARGET' });
    await expect(bad.summary).rejects.toMatchObject({ code: 'E_TARGET' });
  });
});
