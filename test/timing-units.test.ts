/**
 * nmap's timing options as nmap reads them. A bare number was milliseconds
 * here and is seconds in nmap: the lab audit's `--host-timeout 30` gave the
 * host up after 30 ms (9,446 of 10,000 ports left as errors, exit 0), and
 * `--max-rtt-timeout 2` found 0 of 20 open ports at RTT 20 ms, where nmap with
 * the same options was exact. --max-rtt-timeout 10s was cut to the 3 s default
 * ceiling in silence (now said), and --host-timeout 0 (nmap: no limit) was refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { durationFlag, flagsToConfig } from '../src/cli/options.js';
import { resolveConfig } from '../src/config/index.js';
import { scratchDir } from './helpers/cli.js';

const opts = { tuning: null, cores: 2, fdLimit: 4096 };
const resolved = (given: Parameters<typeof resolveConfig>[0]) => resolveConfig({ targets: ['127.0.0.1'], ...given }, opts);

describe("nmap's timing options read as nmap reads them", () => {
  it('a bare number is seconds for --host-timeout and the RTT bounds, milliseconds for --timeout and --banner-timeout', () => {
    expect(flagsToConfig({ hostTimeout: '30' }).hostTimeoutMs).toBe(30_000);
    expect(flagsToConfig({ maxRttTimeout: '2' }).maxRttTimeoutMs).toBe(2000);
    expect(flagsToConfig({ minRttTimeout: '0.05' }).minRttTimeoutMs).toBe(50);
    expect(flagsToConfig({ initialRttTimeout: '1' }).initialRttTimeoutMs).toBe(1000);
    expect(flagsToConfig({ timeout: '2' }).timeoutMs).toBe(2);
    expect(flagsToConfig({ bannerTimeout: '500' }).bannerTimeoutMs).toBe(500);
  });

  it("takes nmap's unit spellings: any case, a leading dot", () => {
    expect(durationFlag('max-rtt-timeout', '500MS', 600_000, '2s', 's')).toBe(500);
    expect(durationFlag('max-rtt-timeout', '2S', 600_000, '2s', 's')).toBe(2000);
    expect(durationFlag('max-rtt-timeout', '.5s', 600_000, '2s', 's')).toBe(500);
    expect(durationFlag('host-timeout', '1H', 2_147_000_000, '30m', 's')).toBe(3_600_000);
    expect(() => durationFlag('host-timeout', '1d', 2_147_000_000, '30m', 's')).toThrow("bad --host-timeout '1d': give seconds (as in nmap) or a time with a unit (ms, s, m, h)");
    expect(() => durationFlag('timeout', '.', 600_000, '1000')).toThrow("bad --timeout '.': give milliseconds or a time with a unit");
  });

  it('--max-rtt-timeout under 5 ms is refused, as nmap refuses it (it was taken), from a config file too', () => {
    expect(() => flagsToConfig({ maxRttTimeout: '3ms' })).toThrow("bad --max-rtt-timeout '3ms': give seconds (as in nmap) or a time with a unit (ms, s, m, h), from 5 to 600000 ms, e.g. --max-rtt-timeout 2s");
    expect(flagsToConfig({ maxRttTimeout: '5ms' }).maxRttTimeoutMs).toBe(5);
    const config = join(scratchDir(), 'scan.json');
    writeFileSync(config, JSON.stringify({ maxRttTimeoutMs: 4 }));
    expect(() => flagsToConfig({ config })).toThrow(`config file '${config}': "maxRttTimeoutMs" 4: at least 5 ms, as --max-rtt-timeout (and nmap's)`);
  });

  it('--host-timeout 0 is no limit, as in nmap, and lifts a config file\'s (it was refused)', () => {
    const dir = scratchDir();
    const config = join(dir, 'scan.json');
    writeFileSync(config, JSON.stringify({ hostTimeoutMs: 5 }));
    expect(flagsToConfig({ config }).hostTimeoutMs).toBe(5);
    expect(flagsToConfig({ config, hostTimeout: '0' }).hostTimeoutMs).toBeNull();
    for (const zero of ['0s', '0.0', '.0s', '00ms']) expect(flagsToConfig({ hostTimeout: zero }).hostTimeoutMs).toBeNull();
  });

  it('--max-rtt-timeout above the --timeout ceiling is said (it was cut to 3 s in silence); the ceiling stays, so such shards still merge', () => {
    const r = resolved({ maxRttTimeoutMs: 10_000 });
    expect(r.config.timeoutMs).toBe(3000);
    expect(r.notes).toEqual(['--max-rtt-timeout 10000 ms is above --timeout 3000 ms (the default), the ceiling of every timeout; using 3000 ms (give --timeout 10000ms too for more)']);
    expect(resolved({ maxRttTimeoutMs: 500 }).notes).toEqual([]);
  });

  it('a --host-timeout of more than a day is said: a bare number written as milliseconds for an earlier shardscan is now seconds', () => {
    expect(resolved({ hostTimeoutMs: flagsToConfig({ hostTimeout: '1800000' }).hostTimeoutMs! }).notes).toEqual(['--host-timeout is 20.8 days (a bare number is seconds, as in nmap; for milliseconds give ms, e.g. --host-timeout 1800000ms; a config file\'s hostTimeoutMs is milliseconds)']);
    expect(resolved({ hostTimeoutMs: flagsToConfig({ hostTimeout: '86400' }).hostTimeoutMs! }).notes).toEqual([]);
  });

  it('under an explicit --timeout, a higher --max-rtt-timeout is said, as the other bounds are', () => {
    const r = resolved({ maxRttTimeoutMs: 10_000, timeoutMs: 2000 });
    expect(r.config.timeoutMs).toBe(2000);
    expect(r.notes).toEqual(['--max-rtt-timeout 10000 ms is above --timeout 2000 ms, the ceiling of every timeout; using 2000 ms (give --timeout 10000ms too for more)']);
  });
});
