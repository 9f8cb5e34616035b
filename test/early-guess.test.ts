/**
 * The early pool guess (src/cli/early.ts) reads the raw command line before
 * yargs: it must know which options take no value, from the same table
 * normalizeArgv uses (src/cli/spellings.ts), or it takes a target for a value.
 */
import { describe, expect, it } from 'vitest';
import { guessWorkers, looksSmall } from '../src/cli/early.js';

describe('the early guess of a small scan', () => {
  it.each([['-q'], ['-sT'], ['-T4'], ['-F'], ['--open'], ['-v'], ['--reason'], ['--no-out-dir'], ['-sV'], ['-r'], ['--randomize-hosts']])('%s before the target takes no value', (flag) => {
    expect(looksSmall([flag, '127.0.0.1', '-p', '80'])).toBe(true);
  });

  it.each([['-oX', 'r.xml'], ['--max-rate', '100'], ['-w', '2']])('%s takes its value, not the target', (flag, value) => {
    expect(looksSmall([flag, value, '127.0.0.1', '-p', '80'])).toBe(true);
    expect(looksSmall(['127.0.0.1', '-p', '80', flag, value])).toBe(true);
  });

  it('service names count as the whole built-in list, at most', () => {
    expect(looksSmall(['127.0.0.1', '-p', 'ssh,http*,T:443'])).toBe(true);
    expect(looksSmall(['127.0.0.1,2,3,4,5,6,7,8,9,10,11,12,13', '-p', 'ssh'])).toBe(false);
  });

  it('a network is never small', () => {
    expect(looksSmall(['-T4', '127.0.0.0/24', '-p', '80'])).toBe(false);
  });

  // --workers 256 for 11 ports booted 256 threads for the plan's one chunk (2 GB, 17 s); the early pool is sized as runScan sizes it.
  it('an explicit --workers for a small scan starts no more threads than its chunks', () => {
    expect(guessWorkers(['127.0.0.1', '-p', '1-11', '-w', '256'])).toBe(1);
    expect(guessWorkers(['127.0.0.1', '-p', '1-100', '--workers=8'])).toBe(4);
    expect(guessWorkers(['127.0.0.0/24', '-p', '1-11', '-w', '8'])).toBe(8);
  });
});
