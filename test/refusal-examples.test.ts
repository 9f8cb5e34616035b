/**
 * The example a refusal offers can be used: "IPv6 network '::1/64' is too
 * large ... e.g. 2001:db8::/112" offered a documentation range, which the
 * blocklist refuses in turn (the audit of target sets).
 */
import { describe, expect, it } from 'vitest';
import { applyBlocklist, defaultBlocklist } from '../src/targets/blocklist.js';
import { buildTargets, parseTargetToken } from '../src/targets/parse.js';

describe('refusal examples', () => {
  it("a too-large IPv6 network's example is of the size allowed and not on the blocklist", async () => {
    const message = await buildTargets({ targets: ['::1/64'] }).then(
      () => '',
      (err: Error) => err.message,
    );
    const example = /e\.g\. (\S+)$/.exec(message)?.[1];
    expect(example).toBeDefined();
    const token = parseTargetToken(example!);
    expect(token.kind).toBe('addresses');
    const intervals = token.kind === 'addresses' ? token.intervals : [];
    expect(applyBlocklist(intervals, defaultBlocklist()).blocked.count).toBe(0);
  });
});
