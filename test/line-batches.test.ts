/**
 * A resume replays its kept records into the reports from the records file
 * it has just written: whole lines, a block at a time, and no line past the
 * count it kept.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ProbeRecord, recordLine } from '../src/model/record.js';
import { lineBatches } from '../src/store/read.js';
import { scratchDir } from './helpers/cli.js';

const rec = (i: number, service = 'unknown'): ProbeRecord => ({ host: `127.0.${i >> 8}.${i & 255}`, port: 1 + (i % 7), state: 'closed', reason: 'ECONNREFUSED', rttMs: i / 10, service, ts: '2026-12-02T00:00:00.000Z' });

async function replay(path: string, count: number): Promise<{ lengths: number[]; text: string; records: ProbeRecord[] }> {
  const lengths: number[] = [];
  let text = '';
  const records: ProbeRecord[] = [];
  for await (const b of lineBatches(path, count)) {
    lengths.push(b.length);
    text += b.ndjson();
    records.push(...b.records());
    expect(b.ndjson().split('\n').length - 1).toBe(b.length);
  }
  return { lengths, text, records };
}

describe('lineBatches', () => {
  // 5,000 lines (~0.6 MB, many blocks), one of them 200 KB long (longer than a block), the long one among those kept.
  const all = Array.from({ length: 5000 }, (_, i) => rec(i, i === 1234 ? `é${'x'.repeat(200_000)}` : 'unknown'));
  const path = join(scratchDir(), 'records.ndjson');
  writeFileSync(path, all.map(recordLine).join(''));

  it.each([5000, 4321, 1235, 1, 4999])('gives exactly the first %i lines, whole, as text and as records', async (count) => {
    const got = await replay(path, count);
    expect(got.lengths.reduce((a, b) => a + b, 0)).toBe(count);
    expect(got.text).toBe(all.slice(0, count).map(recordLine).join(''));
    expect(got.records).toEqual(all.slice(0, count));
  });
});
