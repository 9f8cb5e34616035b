/**
 * A time below what its option can use is refused, never rounded up to it:
 * `--banner-timeout 0.5` and `--timeout 0.5` (a bare number is milliseconds
 * for these: 0.5 ms, where an nmap user, whose bare timing numbers are
 * seconds, most likely meant 0.5 s) were taken as 1 ms and the scan exited 0;
 * `--max-rtt-timeout 4.6ms` was taken as nmap's least, 5 ms, and a bare
 * `--min-rtt-timeout 0.0005` (0.5 ms) as 1 ms.
 */
import { describe, expect, it } from 'vitest';
import { flagsToConfig } from '../src/cli/options.js';
import { runCli } from './helpers/cli.js';

describe('a time below its option\'s least is refused', () => {
  it.each([
    [{ timeout: '0.5' }, "bad --timeout '0.5': a bare number is milliseconds here, and 0.5 ms is below the least it can wait, 1 ms; did you mean --timeout 0.5s?"],
    [{ bannerTimeout: '.25' }, "bad --banner-timeout '.25': a bare number is milliseconds here, and 0.25 ms is below the least it can wait, 1 ms; did you mean --banner-timeout .25s?"],
    [{ maxRttTimeout: '4.6ms' }, "bad --max-rtt-timeout '4.6ms': give seconds (as in nmap) or a time with a unit (ms, s, m, h), from 5 to 600000 ms"],
    [{ maxRttTimeout: '0.0049' }, "bad --max-rtt-timeout '0.0049': give seconds (as in nmap) or a time with a unit (ms, s, m, h), from 5 to 600000 ms"],
    [{ minRttTimeout: '0.0005' }, "bad --min-rtt-timeout '0.0005': give seconds (as in nmap) or a time with a unit (ms, s, m, h), from 1 to 600000 ms"],
    [{ initialRttTimeout: '0.9ms' }, "bad --initial-rtt-timeout '0.9ms': give seconds (as in nmap) or a time with a unit (ms, s, m, h), from 1 to 600000 ms"],
    [{ hostTimeout: '0.0005' }, "bad --host-timeout '0.0005': give seconds (as in nmap) or a time with a unit (ms, s, m, h), from 1 to 2147000000 ms"],
    [{ bannerTimeout: '0.5ms' }, "bad --banner-timeout '0.5ms': give milliseconds or a time with a unit (ms, s, m, h), from 1 to 600000 ms"],
  ])('%o', (flags, message) => {
    expect(() => flagsToConfig(flags)).toThrow(message);
  });

  it('values at the least and above mean what they meant', () => {
    expect(flagsToConfig({ timeout: '1' }).timeoutMs).toBe(1);
    expect(flagsToConfig({ timeout: '1.4' }).timeoutMs).toBe(1);
    expect(flagsToConfig({ timeout: '0.5s' }).timeoutMs).toBe(500);
    expect(flagsToConfig({ bannerTimeout: '0.5s' }).bannerTimeoutMs).toBe(500);
    expect(flagsToConfig({ maxRttTimeout: '5ms' }).maxRttTimeoutMs).toBe(5);
    expect(flagsToConfig({ minRttTimeout: '0.001' }).minRttTimeoutMs).toBe(1);
    expect(flagsToConfig({ hostTimeout: '0' }).hostTimeoutMs).toBeNull();
  });

  it('the command of the report: one line, exit 2, no scan', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1', '--banners', '--banner-timeout', '0.5', '--no-out-dir']);
    expect(r.stderr).toBe("shardscan: error: bad --banner-timeout '0.5': a bare number is milliseconds here, and 0.5 ms is below the least it can wait, 1 ms; did you mean --banner-timeout 0.5s?\n");
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });
});
