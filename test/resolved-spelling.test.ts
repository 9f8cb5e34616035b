/**
 * A config's "resolved" address in another spelling (0:0:0:0:0:0:0:1) keeps
 * its host name: reports find a name by its address's text, and every report
 * showed `Host: ::1 ()` (helper 14). In-process; no name is looked up.
 */
import { describe, expect, it } from 'vitest';
import { namesOf } from '../src/model/scan.js';
import { buildTargets } from '../src/targets/parse.js';

const noDns = async (): Promise<never> => {
  throw new Error('no lookups here');
};

describe('"resolved" addresses are kept as shardscan writes them', () => {
  it('an IPv6 address in its long form is ::1, and the name is found', async () => {
    const t = await buildTargets({ targets: ['six.test'], resolved: { 'six.test': '0:0:0:0:0:0:0:1' } }, noDns);
    expect(t.resolved).toEqual({ 'six.test': '::1' });
    expect(namesOf(t.resolved)('::1')).toBe('six.test');
    expect([t.set.count, t.set.at(0)]).toEqual([1, '::1']);
  });

  it('an exclusion list of several addresses is each written so; IPv4 is as given', async () => {
    const t = await buildTargets({ targets: ['127.0.0.1'], exclude: ['gone.test'], resolved: { 'exclude:gone.test': '127.0.0.9 0:0:0:0:0:0:0:1' } }, noDns);
    expect(t.resolved['exclude:gone.test']).toBe('127.0.0.9 ::1');
  });
});
