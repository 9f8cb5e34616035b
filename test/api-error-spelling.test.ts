/**
 * scan()'s setup errors are the CLI's, and named its flags: a caller of
 * scan({ family: 6 }) read "drop -6 to scan both families", of
 * scan({ sourceAddress }) "--source-address". They now also name the
 * options as a library caller writes them; the code stays the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ScanOptions, scan } from '../src/api.js';
import { ShardscanError } from '../src/errors.js';

const base = { ignoreTuning: true, targets: ['127.0.0.1'], ports: '1' };
/** A blocklist of one loopback address (nothing else is ever named to the scanner). */
const BLOCKLIST = join(mkdtempSync(join(tmpdir(), 'shardscan-spelling-')), 'blocklist.tsv');
writeFileSync(BLOCKLIST, '127.0.0.5/32\ttest row\n');
afterAll(() => rmSync(dirname(BLOCKLIST), { recursive: true, force: true }));

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
    ['family', { ...base, family: 6 }, 'E_TARGET', /drop -6 to scan both families, or leave them out with --exclude 0.0.0.0\/0 \(scan\(\)'s options: -6 is family: 6, --exclude is exclude\)$/],
    ['sourceAddress', { ...base, sourceAddress: 'nope' }, 'E_OPTION', /^bad --source-address 'nope'.*\(scan\(\)'s options: --source-address is sourceAddress\)$/],
    ['shard without seed', { ...base, shard: { index: 1, total: 2 } }, 'E_OPTION', /\(scan\(\)'s options: --shard is shard, --seed is seed\)$/],
    ['banners without open', { ...base, banners: true, states: ['closed'] }, 'E_OPTION', /\(scan\(\)'s options: --banners is banners, --states is states\)$/],
    // The audit: a library caller was told of -p, -p- and --no-blocklist, with no word of ports or blocklist: false.
    ['a bad port', { ...base, ports: '0' }, 'E_PORT', /\(scan\(\)'s options: -p is ports, -p- is ports: '-'\)$/],
    ['no target', { ...base, targets: [] }, 'E_TARGET', /\(scan\(\)'s options: -p is ports\)$/],
    ['a blocked target', { ...base, targets: ['127.0.0.5'], blocklist: BLOCKLIST }, 'E_BLOCKED', /To scan it anyway: --no-blocklist \(scan\(\)'s options: --no-blocklist is blocklist: false\)$/],
  ])('%s', async (_, options, code, message) => {
    const err = await failure(options);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});
