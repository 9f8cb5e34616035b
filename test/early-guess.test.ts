/**
 * The early pool guess (src/cli/early.ts) reads the raw command line before
 * yargs: it must know which options take no value, from the same table
 * normalizeArgv uses (src/cli/spellings.ts), or it takes a target for a value.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guessWorkers, looksSmall } from '../src/cli/early.js';
import { scratchDir } from './helpers/cli.js';

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

describe('the early guess of the worker count', () => {
  const saved = process.env.SHARDSCAN_CONFIG_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.SHARDSCAN_CONFIG_DIR;
    else process.env.SHARDSCAN_CONFIG_DIR = saved;
  });

  // A tuning of 64 booted 64 threads (2.4 s, 650 MB) for a scan whose config file said 2 (and which then ran on none).
  it('takes a --config file\'s "workers" before the saved tuning\'s, and the tuning\'s without one', () => {
    const dir = scratchDir();
    process.env.SHARDSCAN_CONFIG_DIR = dir;
    writeFileSync(join(dir, 'tuning.json'), JSON.stringify({ workers: 64, concurrency: 16_000 }));
    writeFileSync(join(dir, 'w2.json'), `\ufeff${JSON.stringify({ workers: 2, concurrency: 4000 })}`);
    writeFileSync(join(dir, 'none.json'), JSON.stringify({ ports: '1-3000' }));
    const cores = availableParallelism();
    expect(guessWorkers(['127.0.0.1', '-p', '1-3000', '--config', join(dir, 'w2.json')])).toBe(Math.min(cores, 2));
    expect(guessWorkers(['127.0.0.1', '-p', '1-3000', `--config=${join(dir, 'w2.json')}`])).toBe(Math.min(cores, 2));
    expect(guessWorkers(['127.0.0.1', '--config', join(dir, 'none.json')])).toBe(Math.min(cores, 64));
    expect(guessWorkers(['127.0.0.1', '--config', join(dir, 'missing.json')])).toBe(Math.min(cores, 64));
    expect(guessWorkers(['127.0.0.1', '--config', join(dir, 'w2.json'), '-w', '3'])).toBe(3);
  });

  // Helper 18: a tuning of 64 booted 64 threads for a resume (which never reads it: 4 s, 660 MB for 5 probes), for
  // a config on stdin, and for a small scan whose config does not say "workers" (2 s, 650 MB).
  it('never starts more threads than the cores unasked, and reads no tuning for resume or a config on stdin', () => {
    const dir = scratchDir();
    process.env.SHARDSCAN_CONFIG_DIR = dir;
    writeFileSync(join(dir, 'tuning.json'), JSON.stringify({ workers: 1, concurrency: 16_000 }));
    const cores = availableParallelism();
    expect(guessWorkers(['127.0.0.0/24'])).toBe(1); // the tuning's, below the cores
    expect(guessWorkers(['resume', join(dir, 'scan')])).toBe(cores);
    expect(guessWorkers(['127.0.0.0/24', '--config', '-'])).toBe(cores);
    writeFileSync(join(dir, 'tuning.json'), JSON.stringify({ workers: 256, concurrency: 16_000 }));
    expect(guessWorkers(['127.0.0.0/24'])).toBe(cores);
    expect(guessWorkers(['127.0.0.0/24', '-w', '8'])).toBe(8); // asked
  });
});
