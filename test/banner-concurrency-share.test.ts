/**
 * --banner-concurrency is the reads at once of the whole scan. A scan on the
 * main thread (a small one, and the library's default) got N ÷ --workers, as
 * if it were one of the worker threads: 100 silent ports at 50 took four
 * rounds of --banner-timeout, not two. Worker threads split N so that their
 * shares add up to N.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { bannerShares } from '../src/pool/spec.js';
import { prepareScan } from '../src/prepare.js';
import { startScan } from '../src/scan/start.js';
import { BannerStage } from '../workers/banner-stage.js';
import { threadShare } from '../workers/run-chunk.js';
import { closedPorts } from './fixtures/net.js';

describe('--banner-concurrency', () => {
  it('is the whole budget of a scan on the main thread, whatever --workers says (it was N ÷ workers)', async () => {
    const [port] = await closedPorts(1);
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: String(port), states: ['open', 'closed'], banners: true, bannerConcurrency: 7, workers: 2 }, { tuning: null });
    const seen: number[] = [];
    const runner = new InProcessRunner({ bannerStage: (params, done) => (seen.push(params.concurrency), new BannerStage(params, done)) });
    const run = startScan(await prepareScan(config), { runner });
    for await (const b of run.records) void b;
    await run.finished;
    expect(seen).toEqual([7]);
  });

  it.each([
    [100, 0, [100]],
    [7, 1, [7]],
    [50, 2, [25, 25]],
    [10, 3, [4, 3, 3]],
    [257, 4, [65, 64, 64, 64]],
    // Fewer reads than threads: each thread may still read one.
    [2, 4, [1, 1, 1, 1]],
  ])('%i among %i worker threads: %j', (total, threads, shares) => {
    expect(bannerShares(total, threads)).toEqual(shares);
  });

  it('adds up to N among worker threads (ceil(N ÷ workers) each was more, floor would be less)', () => {
    for (let threads = 2; threads <= 16; threads++) {
      for (const total of [threads, threads + 1, 255, 256, 1000, 100_000]) {
        const shares = bannerShares(total, threads);
        expect(shares.reduce((a, b) => a + b, 0), `${total} / ${threads}`).toBe(total);
        expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("gives each thread's engine the next share, through a counter every thread shares", () => {
    const banners = { timeoutMs: 100, maxBytes: 64, concurrency: 10, shares: bannerShares(10, 3), seat: new SharedArrayBuffer(4), names: {} };
    expect([threadShare(banners), threadShare(banners), threadShare(banners)]).toEqual([4, 3, 3]);
  });
});
