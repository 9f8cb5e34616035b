/**
 * Packed records on the wire (src/wire/records.ts): what RecordPacker packs,
 * readRecords gives back field for field, after a structured clone too, with
 * each batch carrying its own table of the reasons it uses.
 */
import { describe, expect, it } from 'vitest';
import { PORT_STATES } from '../src/model/states.js';
import { EMPTY_BATCH, RecordPacker, type WireBatch, type WireRecordView, readRecords } from '../src/wire/records.js';
import { rng } from './helpers/prng.js';

const REASONS = ['syn-ack', 'ECONNREFUSED', 'timeout', 'EHOSTUNREACH', 'self-connect', 'reason "quoted" \\ é 日本'];

function randomRecords(seed: number, n: number): WireRecordView[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    k: i * 3 + r.int(3),
    hostIndex: r.int(2 ** 24),
    port: r.int(65536),
    state: r.pick(PORT_STATES),
    reason: r.pick(REASONS),
    rttMs: Math.round(r.next() * 5_000_000) / 1000,
    tsMs: 1_700_000_000_000 + r.next() * 1e9,
  }));
}

function pack(p: RecordPacker, records: readonly WireRecordView[]): void {
  for (const x of records) p.add(x.k, x.hostIndex, x.port, x.state, x.reason, x.rttMs, x.tsMs);
}

function read(batch: WireBatch): WireRecordView[] {
  const out: WireRecordView[] = [];
  readRecords(batch, (v) => out.push({ ...v }));
  return out;
}

describe('wire records', () => {
  it.each([1, 2, 3])('round-trip field for field, through a structured clone (seed %i)', (seed) => {
    const records = randomRecords(seed, 700);
    const p = new RecordPacker();
    pack(p, records);
    expect(p.length).toBe(700);
    const batch = p.take();
    expect(batch.n).toBe(700);
    expect(read(batch)).toEqual(records);
    expect(read(structuredClone(batch))).toEqual(records);
  });

  it('keeps one table entry per distinct reason, in first-use order', () => {
    const p = new RecordPacker();
    for (const reason of ['timeout', 'syn-ack', 'timeout', 'timeout', 'ECONNREFUSED', 'syn-ack']) p.add(0, 0, 1, 'open', reason, 0, 0);
    const batch = p.take();
    expect(batch.reasons).toEqual(['timeout', 'syn-ack', 'ECONNREFUSED']);
    expect(read(batch).map((r) => r.reason)).toEqual(['timeout', 'syn-ack', 'timeout', 'timeout', 'ECONNREFUSED', 'syn-ack']);
  });

  it('starts empty after take(): the next batch has only its own records and reasons', () => {
    const p = new RecordPacker();
    p.add(0, 1, 2, 'open', 'syn-ack', 1, 2);
    const first = p.take();
    expect(p.length).toBe(0);
    p.add(1, 1, 3, 'closed', 'ECONNREFUSED', 1, 2);
    p.add(2, 1, 4, 'open', 'syn-ack', 1, 2);
    const second = p.take();
    expect(second.reasons).toEqual(['ECONNREFUSED', 'syn-ack']);
    expect(read(second).map((r) => [r.k, r.reason])).toEqual([[1, 'ECONNREFUSED'], [2, 'syn-ack']]);
    expect(read(first).map((r) => [r.k, r.reason])).toEqual([[0, 'syn-ack']]); // not changed by later adds
  });

  it('gives the shared empty batch when nothing was added', () => {
    const p = new RecordPacker();
    expect(p.take()).toBe(EMPTY_BATCH);
    expect(read(EMPTY_BATCH)).toEqual([]);
    expect(Object.isFrozen(EMPTY_BATCH)).toBe(true);
  });
});
