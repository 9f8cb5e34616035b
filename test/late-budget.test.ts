/**
 * How many late sockets (workers/late.ts) a worker may keep: the descriptors
 * the window, the reports and the banner reads leave free, up to its share of
 * the window. A quarter of the window, always, closed three probes of four to
 * silent hosts at their timeout in a sweep, before the kernel's second SYN:
 * a live host whose one SYN was lost was called filtered (lab, 2 % loss).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { lateBudget } from '../src/pool/spec.js';

/** The resolved config of a scan with `flags` under a descriptor limit of `limit`, on 2 cores. */
function config(limit: number, flags: object = {}): ReturnType<typeof resolveConfig>['config'] {
  return resolveConfig({ targets: ['127.0.0.1'], ...flags }, { tuning: null, cores: 2, fdLimit: limit }).config;
}

describe('the late sockets a worker may keep', () => {
  it('with descriptors to spare, as many as its share of the window: every probe to a silent host listens on', () => {
    const c = config(1 << 20);
    expect(c.concurrency).toBe(16_384);
    expect(lateBudget(c, 1 << 20)).toBe(8_192);
  });

  it('under a limit that bounds the default window, the fifth it leaves free (a quarter of the window, as before)', () => {
    const c = config(20_000);
    expect(c.concurrency).toBe(15_910);
    const budget = lateBudget(c, 20_000);
    expect(budget).toBe(Math.floor((20_000 - 64 - 32 - 16 - 15_910) / 2));
    expect(budget * 2 + c.concurrency).toBeLessThanOrEqual(20_000 - 64);
  });

  it('a window given below the limit leaves more free: late sockets up to the window itself', () => {
    expect(lateBudget(config(20_000, { concurrency: 4_000 }), 20_000)).toBe(2_000);
  });

  it('reports sorted by host and banner reads take theirs first, and it is never below 0', () => {
    const plain = lateBudget(config(20_000, { concurrency: 12_000, format: 'ndjson' }), 20_000);
    const more = lateBudget(config(20_000, { concurrency: 12_000, format: 'ndjson', banners: true, extraReports: [{ format: 'xml', output: 'a.xml' }, { format: 'grep', output: 'a.gnmap' }] }), 20_000);
    expect(plain - more).toBe((2 * 32 + 256) / 2);
    // A window as wide as the limit (a library caller's), nothing left: none.
    expect(lateBudget({ workers: 2, concurrency: 190, format: 'ndjson', extraReports: [], banners: false, bannerConcurrency: 256 }, 200)).toBe(0);
  });
});
