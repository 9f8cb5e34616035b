/**
 * A resume's records from before go to the writer as it takes them (held all
 * at once, a 280,000-record resume peaked at 440 MB), and probing starts
 * after them. A writer that stops reading (| head) must not leave the feed
 * waiting for room for ever, with the scan behind it.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { type ProbeRecord, type RecordBatch, arrayBatch } from '../src/model/record.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import { CHANNEL_HIGH_WATER, startScan } from '../src/scan/start.js';

const rec = (port: number): ProbeRecord => ({ host: '127.0.0.1', port, state: 'closed', reason: 'ECONNREFUSED', rttMs: 0.1, service: 'unknown', ts: '2026-12-02T00:00:00.000Z' });

/** `batches` batches of 1,000 records, counting how many were read from it. */
function replayOf(batches: number, read: { n: number }): () => AsyncIterable<RecordBatch> {
  return async function* replay() {
    for (let i = 0; i < batches; i++) {
      read.n++;
      yield arrayBatch(Array.from({ length: 1000 }, (_, k) => rec(1 + ((i * 1000 + k) % 65535))));
    }
  };
}

async function prep() {
  const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1-20', states: ['open', 'closed'] }, { tuning: null });
  return prepareScan(config);
}

describe('the replay of a resume', () => {
  it('is read as the writer takes it, and comes before the new records', async () => {
    const read = { n: 0 };
    const run = startScan(await prep(), { runner: new InProcessRunner(), replay: replayOf(40, read) });
    const seen: number[] = [];
    for await (const batch of run.records) {
      // Never more than the channel holds, plus the batch in hand, ahead of the writer.
      expect((read.n - seen.length / 1000) * 1000).toBeLessThanOrEqual(CHANNEL_HIGH_WATER + 2000);
      for (const r of batch.records()) seen.push(r.port);
    }
    const end = await run.finished;
    expect(end.failure).toBeNull();
    expect(seen).toHaveLength(40_000 + 20);
    // The 20 probed ports come after the 40,000 replayed records.
    expect(seen.slice(40_000).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('a writer that stops reading and a stop: the scan ends, it does not wait for room for ever', async () => {
    const read = { n: 0 };
    const run = startScan(await prep(), { runner: new InProcessRunner(), replay: replayOf(40, read) });
    const it = run.records[Symbol.asyncIterator]();
    await it.next(); // one batch, then the reader is gone
    await new Promise((r) => setTimeout(r, 50));
    expect(read.n).toBeLessThan(40);
    run.stop('output-closed');
    const end = await Promise.race([run.finished, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 5000))]);
    expect(end).not.toBe('hung');
    expect(end !== 'hung' && end.summary.stopReason).toBe('output-closed');
  });
});
