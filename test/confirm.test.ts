/**
 * Huge scans need --yes: more than 2^24 addresses outside loopback, or any
 * target naming all of IPv4. Decided in prepareScan, before any probe (the
 * wire-level proof is test/safety-netns.test.ts); nothing here probes.
 */
import { describe, expect, it } from 'vitest';
import { type ScanConfig, resolveConfig } from '../src/config/index.js';
import { prepareScan } from '../src/prepare.js';
import { checkResumable } from '../src/store/resume.js';
import { CONFIRM_ABOVE, nonLoopbackCount } from '../src/targets/confirm.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';
import { noDns } from './helpers/fuzz.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function prepare(given: Partial<ScanConfig>) {
  const { config } = resolveConfig({ ports: '80', ...given }, { tuning: null, cores: 2, fdLimit: 4096 });
  return prepareScan(config, noDns);
}

describe('the size that needs --yes', () => {
  it('counts addresses outside loopback', () => {
    expect(CONFIRM_ABOVE).toBe(16_777_216);
    expect(nonLoopbackCount([{ v6: false, lo: 127 * 2 ** 24, hi: 128 * 2 ** 24 - 1 }])).toBe(0);
    expect(nonLoopbackCount([{ v6: true, lo: 0n, hi: 3n }])).toBe(3);
    expect(nonLoopbackCount([{ v6: false, lo: 126 * 2 ** 24, hi: 128 * 2 ** 24 - 1 }])).toBe(2 ** 24);
    // Loopback inside, at either end, or not touched; all of IPv4; IPv6 around ::1 or away from it.
    expect(nonLoopbackCount([{ v6: false, lo: 126 * 2 ** 24, hi: 129 * 2 ** 24 - 1 }])).toBe(2 * 2 ** 24);
    expect(nonLoopbackCount([{ v6: false, lo: 127 * 2 ** 24 + 5, hi: 128 * 2 ** 24 + 9 }])).toBe(10);
    expect(nonLoopbackCount([{ v6: false, lo: 10, hi: 19 }, { v6: false, lo: 0xfffffff0, hi: 0xffffffff }])).toBe(26);
    expect(nonLoopbackCount([{ v6: false, lo: 0, hi: 0xffffffff }])).toBe(2 ** 32 - 2 ** 24);
    expect(nonLoopbackCount([{ v6: true, lo: 1n, hi: 1n }, { v6: true, lo: 2n, hi: 5n }])).toBe(4);
    expect(nonLoopbackCount([{ v6: false, lo: 1, hi: 1 }, { v6: true, lo: 0n, hi: 1n }])).toBe(2);
  });

  it('a /8 outside loopback is fine; one address more needs --yes, and says how many and how', async () => {
    await expect(prepare({ targets: ['10.0.0.0/8'] })).resolves.toMatchObject({ blocked: { count: 0 } });
    await expect(prepare({ targets: ['10.0.0.0/8', '11.0.0.0'] })).rejects.toMatchObject({
      code: 'E_CONFIRM',
      message: 'this scan covers 16,777,217 addresses outside loopback, more than 16,777,216 (a /8); if you mean it, add --yes',
    });
    await expect(prepare({ targets: ['10.0.0.0/8', '11.0.0.0'], yes: true })).resolves.toMatchObject({ range: 16_777_217 });
  });

  it('loopback does not count', async () => {
    await expect(prepare({ targets: ['127.0.0.0/8', '10.0.0.0/8'] })).resolves.toMatchObject({ range: 2 ** 25 });
  });

  it('any target naming all of IPv4 needs --yes, however small the rest after exclusions', async () => {
    for (const t of ['0.0.0.0/0', '*.*.*.*', '0.0.0.0-255.255.255.255', '0.0.0.0/1 128.0.0.0/1']) {
      // Everything but 10.0.0.0/8 excluded: 2^24 left, not more, and still refused.
      await expect(prepare({ targets: [t], exclude: ['0.0.0.0/5,8.0.0.0/7,11.0.0.0/8,12.0.0.0/6,16.0.0.0/4,32.0.0.0/3,64.0.0.0/2,128.0.0.0/1'] })).rejects.toMatchObject({
        code: 'E_CONFIRM',
        message: 'the targets name all of IPv4 (0.0.0.0/0), 16,777,216 addresses after exclusions; if you mean it, add --yes',
      });
    }
  });

  it('with --yes, the whole IPv4 Internet is prepared (never probed here) without the blocklist ranges', async () => {
    const prep = await prepare({ targets: ['0.0.0.0/0'], yes: true });
    expect(prep.blocked.count).toBe(553_649_408);
    expect(prep.targets.count).toBe(2 ** 32 - 553_649_408);
    expect(prep.targets.indexOf('224.0.0.1')).toBe(-1);
  });

  it('the blocklist speaks first: a target that is all blocked is named, not counted', async () => {
    await expect(prepare({ targets: ['224.0.0.0/3'] })).rejects.toMatchObject({ code: 'E_BLOCKED' });
  });

  it('--yes is kept in the manifest, so a resumed scan is not asked again', async () => {
    const out = join(scratchDir(), 'scan');
    const r = await runCli(['127.0.0.1', '-p', '1-3', '--yes', '--out-dir', out, '-q', '-f', 'ndjson', '--states', 'all']);
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout)).toHaveLength(3);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { status: string; config: { targets: string[]; yes: boolean } };
    expect(manifest).toMatchObject({ config: { yes: true, blocklist: true } });
    // Resume's own checks (nothing probed, nothing written) on the manifest given a target that needs --yes: with
    // the kept --yes they get past the question to the next check (the scan key no longer matches the edited
    // targets); without it they ask.
    const resumeWith = (yes: boolean) => {
      writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...manifest, status: 'interrupted', config: { ...manifest.config, targets: ['10.0.0.0/7'], yes } }));
      return checkResumable(out, noDns);
    };
    await expect(resumeWith(true)).rejects.toMatchObject({ code: 'E_RESUME', message: expect.stringMatching(/no longer give the same scan/) });
    await expect(resumeWith(false)).rejects.toMatchObject({ code: 'E_CONFIRM' });
  });
});
