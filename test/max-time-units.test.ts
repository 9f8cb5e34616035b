/**
 * --max-time takes the units every other time option takes (ms, s, m, h, any
 * case): `--max-time 2s` was refused ("give a plain decimal number"), on a
 * scan and on `resume DIR --max-time`. A bare number stays seconds (--max-time
 * SEC). 0, a sign, garbage and anything below 1 ms (the shortest a timer
 * waits: --max-time 0.0005 was taken and waited 1 ms) are refused in one line,
 * from a config file's "maxTimeSec" too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsToConfig } from '../src/cli/options.js';
import { runCli, scratchDir } from './helpers/cli.js';

describe('--max-time with units', () => {
  it.each([
    ['2s', 2], ['2S', 2], ['500ms', 0.5], ['.5s', 0.5], ['5m', 300], ['1h', 3600], ['0.1h', 360], ['1ms', 0.001],
    ['10', 10], ['0.25', 0.25], ['.5', 0.5], ['0.001', 0.001],
  ])('%s is %d s', (typed, sec) => {
    expect(flagsToConfig({ maxTime: typed }).maxTimeSec).toBe(sec);
  });

  it.each([
    ['0', /^bad --max-time '0': give at least 1 ms \(0\.001 s\)/],
    ['0ms', /^bad --max-time '0ms': give at least 1 ms/],
    ['0.0005', /^bad --max-time '0\.0005': give at least 1 ms/],
    ['0.5ms', /^bad --max-time '0\.5ms': give at least 1 ms/],
    ['-5', /^bad --max-time '-5': give seconds \(no sign or exponent; fractions allowed\) or a time with a unit \(ms, s, m, h\)/],
    ['2d', /^bad --max-time '2d': give seconds/],
    ['1e3', /^bad --max-time '1e3': give seconds/],
    ['s', /^bad --max-time 's': give seconds/],
    ['1000h', /^bad --max-time '1000h': at most 2147483 seconds/],
  ])('%s is refused', (typed, message) => {
    expect(() => flagsToConfig({ maxTime: typed })).toThrow(message);
  });

  it('a config file\'s "maxTimeSec" below 1 ms is refused; seconds as a number are taken', () => {
    const dir = scratchDir();
    const config = join(dir, 'scan.json');
    writeFileSync(config, JSON.stringify({ maxTimeSec: 0.0005 }));
    expect(() => flagsToConfig({ config })).toThrow(/"?maxTimeSec"? must be >= 0\.001/);
    writeFileSync(config, JSON.stringify({ maxTimeSec: 0.5 }));
    expect(flagsToConfig({ config }).maxTimeSec).toBe(0.5);
  });

  it('on the command line, and on resume DIR --max-time', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-300', '--rate', '100', '--max-time', '300ms', '-q', '--out-dir', 'd', '-o', '/dev/null'], { cwd });
    expect(first.stderr).toMatch(/stopped at --max-time/);
    expect(first.code).toBe(0);
    const bad = await runCli(['resume', 'd', '--max-time', '2x'], { cwd });
    expect(bad.stderr).toMatch(/^shardscan: error: bad --max-time '2x': give seconds .*\n$/);
    expect(bad.code).toBe(2);
    const resumed = await runCli(['resume', 'd', '--rate', '0', '--max-time', '1m', '-q', '-f', 'ndjson', '-o', '/dev/null'], { cwd });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
  });
});
