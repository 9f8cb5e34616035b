/**
 * startScan() with only a sink, the README's other way to take a scan's
 * records: the record channel sat in front of the sink with nobody reading it,
 * and the scan stopped for ever at 8,192 records (helper 22). With
 * `reader: false` the sink takes every record and the scan ends. Loopback only.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import { CHANNEL_HIGH_WATER, startScan } from '../src/scan/start.js';

describe('startScan() with a sink and no reader', () => {
  it(`finishes a scan of more than ${CHANNEL_HIGH_WATER} records, every one of them given to the sink`, async () => {
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1-20000', states: ['open', 'closed', 'filtered', 'error'] }, { tuning: null });
    const prep = await prepareScan(config);
    let got = 0;
    const run = startScan(prep, { sinks: [{ records: (b) => void (got += b.length) }], reader: false, runner: new InProcessRunner(), ownRunner: true });
    const end = await Promise.race([run.finished, new Promise<null>((r) => setTimeout(() => r(null), 40_000).unref())]);
    expect(end?.summary).toMatchObject({ status: 'complete', done: 20_000 });
    expect(got).toBe(20_000);
    // Nobody reads records: it ends at once, empty.
    let read = 0;
    for await (const batch of run.records) read += batch.length;
    expect(read).toBe(0);
  }, 60_000);

  it("refuses a resume's earlier records with no reader to give them to", async () => {
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1' }, { tuning: null });
    const prep = await prepareScan(config);
    const replay = async function* () {
      return;
    };
    expect(() => startScan(prep, { reader: false, replay, runner: new InProcessRunner(), ownRunner: true })).toThrow(/replay/);
  });
});
