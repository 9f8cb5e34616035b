/**
 * A banner read that fails (EMFILE reading the port table, a bug) still
 * decides its open port. It was told as "its chunk stopped" (null), the
 * position was never decided, and the scan waited for it for ever at N-1 of N
 * (ulimit -n 100, 200 silent ports, --banners: every run; ulimit -n 1024,
 * 2,000 ports, -w 2: 2 runs of 8).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ProbeRecord } from '../src/model/record.js';

vi.mock('../workers/banner/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../workers/banner/index.js')>();
  let calls = 0;
  return {
    ...real,
    // Every other read fails, as a grab that ran out of descriptors does.
    grabService: (...args: Parameters<typeof real.grabService>) => (calls++ % 2 === 0 ? Promise.reject(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })) : real.grabService(...args)),
  };
});

const { openPorts } = await import('./fixtures/net.js');
const { scan } = await import('../src/api.js');

const open = await openPorts(6);
afterAll(() => open.close());

describe('a banner read that fails', () => {
  it('decides its port open, named from the port table, and the scan ends', async () => {
    const run = scan({ targets: ['127.0.0.1'], ports: open.ports.join(','), banners: true, bannerTimeoutMs: 500, ignoreTuning: true });
    const records: ProbeRecord[] = [];
    for await (const r of run) records.push(r);
    const summary = await run.summary;
    expect(summary).toMatchObject({ status: 'complete', done: 6, counts: { open: 6 } });
    expect(records.map((r) => r.port).sort((a, b) => a - b)).toEqual([...open.ports].sort((a, b) => a - b));
    for (const r of records) {
      expect(r.state).toBe('open');
      expect(r.service).toBeDefined();
    }
    // The failed half: no banner, the table's name for the port.
    expect(records.filter((r) => r.serviceSource === 'port').length).toBeGreaterThanOrEqual(3);
  }, 20_000);
});
