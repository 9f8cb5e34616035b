/**
 * Every report of a run ends at one time, as nmap's -oA files do: each read its
 * own clock as it ended, and -oA's xml and grep reports, finished one after the
 * other, said 0.9 s apart (helper 24).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { prepareScan } from '../src/prepare.js';
import { reportContextOf } from '../src/scan/report-context.js';
import type { ScanRun } from '../src/scan/start.js';

describe('a run\'s reports', () => {
  it('take their end time once, from the first report that ends', async () => {
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1' }, { tuning: null });
    const prep = await prepareScan(config);
    const ctx = reportContextOf(prep, {} as ScanRun, { command: 'test', startedAt: new Date().toISOString() });
    const first = ctx.endedAt;
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT/);
    await new Promise((r) => setTimeout(r, 30));
    expect(ctx.endedAt).toBe(first);
  });
});
