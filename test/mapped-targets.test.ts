/**
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4 addresses: a connect
 * to one is an IPv4 connect. Taken as IPv6 they went around every IPv4
 * exclusion and every IPv4 row of a --blocklist FILE (only the built-in
 * list's ::ffff:0:0/96 row caught them), and ::ffff:127.0.0.1 beside
 * 127.0.0.1 was a second host, probed twice.
 */
import { describe, expect, it } from 'vitest';
import { parseBlocklist } from '../src/targets/blocklist.js';
import { buildTargets } from '../src/targets/parse.js';
import type { TargetInput } from '../src/targets/parse.js';

async function hosts(input: TargetInput): Promise<string[]> {
  const { set } = await buildTargets(input);
  return Array.from({ length: set.count }, (_, i) => set.at(i));
}

describe('IPv4-mapped targets', () => {
  it('are the IPv4 addresses they map: one host with their IPv4 form, networks and ranges too', async () => {
    expect(await hosts({ targets: ['::ffff:127.0.0.1', '127.0.0.1'] })).toEqual(['127.0.0.1']);
    expect(await hosts({ targets: ['::ffff:127.0.0.0/126'] })).toEqual(['127.0.0.0', '127.0.0.1', '127.0.0.2', '127.0.0.3']);
    expect(await hosts({ targets: ['::ffff:127.0.0.8-::ffff:127.0.0.9'] })).toEqual(['127.0.0.8', '127.0.0.9']);
  });

  it('meet IPv4 exclusions, and mapped exclusions meet IPv4 targets', async () => {
    expect(await hosts({ targets: ['::ffff:127.0.0.1', '127.0.0.2'], exclude: ['127.0.0.1'] })).toEqual(['127.0.0.2']);
    expect(await hosts({ targets: ['127.0.0.0/30'], exclude: ['::ffff:127.0.0.0/127'] })).toEqual(['127.0.0.2', '127.0.0.3']);
    // A wide IPv6 exclusion means IPv6: it does not take every IPv4 address with it.
    expect(await hosts({ targets: ['127.0.0.1', '::1'], exclude: ['::/0'] })).toEqual(['127.0.0.1']);
  });

  it("meet a blocklist's IPv4 rows (a --blocklist FILE has no ::ffff:0:0/96 row), and a mapped row blocks IPv4", async () => {
    const v4Row = parseBlocklist('127.0.0.0/8\tlocal policy\n', 'the test list', 'test');
    await expect(hosts({ targets: ['::ffff:127.0.0.1'], blocklist: v4Row })).rejects.toThrow(/every target is on .*blocklist/);
    const mappedRow = parseBlocklist('::ffff:127.0.0.0/104\tlocal policy\n', 'the test list', 'test');
    await expect(hosts({ targets: ['127.0.0.1'], blocklist: mappedRow })).rejects.toThrow(/every target is on .*blocklist/);
  });

  it("a name recorded as a mapped address takes its prefix as the IPv4 one (NAME/24 left out that address alone)", async () => {
    const resolved = { 'exclude:mapped': '::ffff:127.0.0.5' };
    expect(await hosts({ targets: ['127.0.0.4-7', '127.0.1.1'], exclude: ['mapped/24'], resolved })).toEqual(['127.0.1.1']);
    expect(await hosts({ targets: ['mapped/31'], resolved: { mapped: '::ffff:127.0.0.5' } })).toEqual(['127.0.0.4', '127.0.0.5']);
  });

  it('a range that is part IPv6, part IPv4-mapped is refused, never probed', async () => {
    await expect(hosts({ targets: ['::fffe:ffff:ffff-::ffff:0:1'] })).rejects.toThrow(/reach into ::ffff:0:0\/96/);
  });
});
