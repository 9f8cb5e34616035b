/**
 * scan()'s setup errors are the CLI's, and named its flags: a caller of
 * scan({ family: 6 }) read "drop -6 to scan both families", of
 * scan({ sourceAddress }) "--source-address". They now also name the
 * options as a library caller writes them; the code stays the same.
 */
import { describe, expect, it } from 'vitest';
import { type ScanOptions, scan } from '../src/api.js';
import { ShardscanError } from '../src/errors.js';

const base = { ignoreTuning: true, targets: ['127.0.0.1'], ports: '1' };

async function failure(options: ScanOptions): Promise<ShardscanError> {
  try {
    await scan(options).summary;
  } catch (err) {
    expect(err).toBeInstanceOf(ShardscanError);
    return err as ShardscanError;
  }
  throw new Error('the scan did not fail');
}

describe("scan()'s setup errors name its options", () => {
  it.each<[string, ScanOptions, string, RegExp]>([
    ['family', { ...base, family: 6 }, 'E_TARGET', /drop -6 to scan both families \(scan\(\)'s options: -6 is family: 6\)$/],
    ['sourceAddress', { ...base, sourceAddress: 'nope' }, 'E_OPTION', /^bad --source-address 'nope'.*\(scan\(\)'s options: --source-address is sourceAddress\)$/],
    ['shard without seed', { ...base, shard: { index: 1, total: 2 } }, 'E_OPTION', /\(scan\(\)'s options: --shard is shard, --seed is seed\)$/],
    ['banners without open', { ...base, banners: true, states: ['closed'] }, 'E_OPTION', /\(scan\(\)'s options: --banners is banners, --states is states\)$/],
  ])('%s', async (_, options, code, message) => {
    const err = await failure(options);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});
