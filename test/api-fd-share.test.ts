/**
 * scan()'s default window leaves the descriptors the calling program holds and
 * the windows of its other running scans (helper 22: sized from the whole
 * ulimit -n, a scan of filtered ports left the program that called it EMFILE
 * on every open(), and two scans at once each took the whole budget).
 * SHARDSCAN_FD_LIMIT stands in for a ulimit -n of 1024; no scan here comes
 * near the real one. Loopback only.
 */
import { closeSync, openSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../src/index.js';

const LIMIT = '1024';
let before: string | undefined;
beforeAll(() => {
  before = process.env.SHARDSCAN_FD_LIMIT;
  process.env.SHARDSCAN_FD_LIMIT = LIMIT;
});
afterAll(() => {
  if (before === undefined) delete process.env.SHARDSCAN_FD_LIMIT;
  else process.env.SHARDSCAN_FD_LIMIT = before;
});

const options = { targets: ['127.0.0.1'], ports: '1-3', ignoreTuning: true } as const;

async function windowOf(run: ReturnType<typeof scan>): Promise<number> {
  return (await run.summary).concurrency;
}

describe("scan()'s window and the calling program's descriptors", () => {
  it('leaves the descriptors the program holds, and says so', async () => {
    const alone = await windowOf(scan(options));
    const held: number[] = [];
    for (let i = 0; i < 300; i++) held.push(openSync('/dev/null', 'r'));
    try {
      const run = scan(options);
      // 300 held descriptors are 240 fewer in the window (0.8 of them), give or take the test runner's own.
      expect(await windowOf(run)).toBeLessThanOrEqual(alone - 200);
      expect((await run.notes).join('\n')).toMatch(/concurrency \d+: the file-descriptor limit \(ulimit -n 1024\) less the \d+ this process already holds/);
    } finally {
      held.forEach((fd) => closeSync(fd));
    }
    // Given back: the next scan's window is as wide as before.
    expect(await windowOf(scan(options))).toBeGreaterThanOrEqual(alone - 20);
  });

  it('two scans started together share the descriptors, not take them twice', async () => {
    const alone = await windowOf(scan(options));
    const [a, b] = await Promise.all([windowOf(scan(options)), windowOf(scan(options))]);
    // Both fit the limit with the reserve for stdio and the like; each took the whole budget (742 and 742 of 1024).
    expect(a + b).toBeLessThanOrEqual(Number(LIMIT) - 64);
    expect(Math.max(a, b)).toBeGreaterThanOrEqual(alone - 20);
  });

  // Helper 23: the second scan took the larger of the first's window and the program's descriptors, not both: with
  // 300 held, the program got EMFILE again as soon as two scans ran.
  it('two scans started together leave the program\'s descriptors too', async () => {
    const held: number[] = [];
    for (let i = 0; i < 300; i++) held.push(openSync('/dev/null', 'r'));
    try {
      const [a, b] = await Promise.all([windowOf(scan(options)), windowOf(scan(options))]);
      expect(a + b + 300).toBeLessThanOrEqual(Number(LIMIT) - 64);
      expect(Math.min(a, b)).toBeGreaterThan(0);
    } finally {
      held.forEach((fd) => closeSync(fd));
    }
  });
});
