/**
 * A resume's --max-time counts from when its targets are ready, as a first
 * run's counts from when it probes: counted from before the target list was
 * parsed again, each slice of a 400k-line list's resume probed 5 % of what
 * the first run did, and a list read from stdin none (helper 21). Loopback only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

describe('resume of a scan with a long target list, in --max-time slices', () => {
  it('probes in its slice, as the first run did in its own', async () => {
    const cwd = scratchDir();
    // 200,000 addresses, one a line: parsing them takes longer than the slice (~0.6 s here).
    const lines = Array.from({ length: 200_000 }, (_, i) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
    writeFileSync(join(cwd, 'list.txt'), `${lines.join('\n')}\n`);
    const first = await runCli(['-iL', 'list.txt', '-p', '1', '--max-time', '200ms', '-q', '-o', '/dev/null', '--out-dir', 'd', '--summary-json', 's1.json'], { cwd, killAfterMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const s1 = JSON.parse(readFileSync(join(cwd, 's1.json'), 'utf8')) as { done: number; probes: number };
    expect(s1.done).toBeGreaterThan(0);
    expect(s1.done).toBeLessThan(s1.probes);
    const again = await runCli(['resume', 'd', '-q', '-o', '/dev/null', '--summary-json', 's2.json'], { cwd, killAfterMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    // It said "reading d back took the whole --max-time 0.2 s before the first probe", and probed nothing.
    expect(again.stderr).not.toMatch(/took the whole --max-time/);
    const s2 = JSON.parse(readFileSync(join(cwd, 's2.json'), 'utf8')) as { done: number; resumedDone: number };
    expect(s2.resumedDone).toBe(s1.done);
    expect(s2.done).toBeGreaterThan(s2.resumedDone);
  }, 90_000);
});
