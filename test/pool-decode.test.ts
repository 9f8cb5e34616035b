/**
 * RecordDecoder (src/pool/decode.ts): a packed wire batch becomes a
 * RecordBatch. Its objects (records()) and its NDJSON text (ndjson(), written
 * straight from the numbers) must say the same thing, and `keep` drops records
 * by chunk offset from both.
 */
import { describe, expect, it } from 'vitest';
import { type ProbeRecord, recordLine } from '../src/model/record.js';
import { PORT_STATES } from '../src/model/states.js';
import { RecordDecoder } from '../src/pool/decode.js';
import { serviceName } from '../src/ports/services.js';
import { TargetSet } from '../src/targets/set.js';
import { RecordPacker, type WireBatch } from '../src/wire/records.js';
import { rng } from './helpers/prng.js';

/** 127.0.0.1-127.0.0.20 (indexes 0-19), 127.1.0.0-127.1.0.4 (20-24), ::1-::a (25-34). */
const targets = TargetSet.fromIntervals([
  { v6: false, lo: 0x7f000001, hi: 0x7f000014 },
  { v6: false, lo: 0x7f010000, hi: 0x7f010004 },
  { v6: true, lo: 1n, hi: 10n },
]);

const TS0 = Date.parse('2026-03-01T10:00:00.000Z');

/** n packed records at offsets 0..n-1, with the fields made from a seed; and the records they should decode to. */
function batch(seed: number, n: number): { wire: WireBatch; want: ProbeRecord[] } {
  const r = rng(seed);
  const p = new RecordPacker();
  const want: ProbeRecord[] = [];
  for (let k = 0; k < n; k++) {
    const hostIndex = r.int(targets.count);
    const port = r.pick([22, 80, 443, 3306, 1, 65535, r.int(65535) + 1]);
    const state = r.pick(PORT_STATES);
    const reason = r.pick(['syn-ack', 'ECONNREFUSED', 'timeout', 'EHOSTUNREACH', 'x "y" é']);
    const rttMs = Math.round(r.next() * 2_000_000) / 1000;
    // Several records in one millisecond, fractions included (performance time + origin).
    const tsMs = TS0 + Math.floor(k / 3) + r.next();
    p.add(k, hostIndex, port, state, reason, rttMs, tsMs);
    want.push({ host: targets.at(hostIndex), port, state, reason, rttMs, service: serviceName(port), ts: new Date(Math.floor(tsMs)).toISOString() } as ProbeRecord);
  }
  return { wire: p.take(), want };
}

const parseLines = (text: string): unknown[] => text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as unknown);

describe('RecordDecoder', () => {
  it('fills in the service name from the built-in list', () => {
    const p = new RecordPacker();
    p.add(0, 0, 22, 'open', 'syn-ack', 1, TS0);
    p.add(1, 1, 443, 'closed', 'ECONNREFUSED', 1, TS0);
    const out = new RecordDecoder(targets).decode(p.take(), () => true);
    expect(out.records().map((x) => x.service)).toEqual(['ssh', 'https']);
    expect(parseLines(out.ndjson()).map((x) => (x as { service: string }).service)).toEqual(['ssh', 'https']);
  });

  it.each([1, 2, 3])('gives the same records as objects and as NDJSON, whichever is asked first (seed %i)', (seed) => {
    const { wire, want } = batch(seed, 600);
    const dec = new RecordDecoder(targets);
    const a = dec.decode(wire, () => true);
    const b = dec.decode(wire, () => true);
    expect(a.length).toBe(600);
    expect(a.records()).toEqual(want);
    expect(a.ndjson()).toBe(want.map(recordLine).join(''));
    // Text first this time, then objects.
    expect(b.ndjson()).toBe(a.ndjson());
    expect(b.records()).toEqual(want);
    expect(parseLines(b.ndjson())).toEqual(want);
  });

  it('decodes one batch after another without mixing them', () => {
    const dec = new RecordDecoder(targets);
    const one = batch(10, 50);
    const two = batch(11, 50);
    const b1 = dec.decode(one.wire, () => true);
    const b2 = dec.decode(two.wire, () => true);
    expect(b2.ndjson()).toBe(two.want.map(recordLine).join(''));
    expect(b1.ndjson()).toBe(one.want.map(recordLine).join(''));
    expect(b1.records()).toEqual(one.want);
  });

  it('drops the records `keep` refuses, from both forms, asking once per record in order', () => {
    const { wire, want } = batch(5, 100);
    const asked: number[] = [];
    const b = new RecordDecoder(targets).decode(wire, (k) => {
      asked.push(k);
      return k % 3 !== 0 && k < 90;
    });
    const kept = want.filter((_, k) => k % 3 !== 0 && k < 90);
    expect(asked).toEqual(Array.from({ length: 100 }, (_, k) => k));
    expect(b.length).toBe(kept.length);
    expect(b.records()).toEqual(kept);
    expect(parseLines(b.ndjson())).toEqual(kept);
  });

  it('gives an empty batch when nothing is kept', () => {
    const b = new RecordDecoder(targets).decode(batch(6, 10).wire, () => false);
    expect([b.length, b.records(), b.ndjson()]).toEqual([0, [], '']);
  });
});
