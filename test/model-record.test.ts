/**
 * The record and its one JSON encoding (src/model/record.ts): recordLine is
 * the record as one line of JSON in schema order, valid against
 * schemas/record.schema.json; arrayBatch wraps existing records as a
 * RecordBatch whose NDJSON is the lines joined.
 */
import { describe, expect, it } from 'vitest';
import { type ProbeRecord, arrayBatch, formatLine, makeRecord, recordKey, recordLine } from '../src/model/record.js';
import { validator } from '../src/schemas.js';

const RECORDS: ProbeRecord[] = [
  makeRecord('127.0.0.1', 22, 'open', 'syn-ack', 0.123, 'ssh', '2026-01-01T00:00:00.000Z'),
  makeRecord('::1', 65535, 'closed', 'ECONNREFUSED', 0, 'unknown', '2026-01-01T00:00:00.001Z'),
  makeRecord('127.0.0.2', 1, 'filtered', 'timeout', 1000, 'tcpmux', '2026-12-31T23:59:59.999Z'),
  makeRecord('127.0.0.3', 9, 'error', 'a "weird"\\ reason\nwith é and 日本 and \u0001', 12.5, 'un"known', '2026-06-01T12:00:00Z'),
];

describe('recordLine', () => {
  it.each(RECORDS.map((r) => [r.state, r] as const))('%s: one line of JSON that parses back to the record, in schema order', (_s, r) => {
    const line = recordLine(r);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toEqual(r);
    expect(Object.keys(parsed)).toEqual(['host', 'port', 'state', 'reason', 'rttMs', 'service', 'ts']);
    expect(line).toBe(formatLine(r.host, r.port, r.state, r.reason, r.rttMs, r.service, r.ts));
    const validate = validator('record');
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  });

  // Written as they are, these made a line that was not JSON (NaN, a quote) or not a record; a library caller gets a RangeError that names the field.
  it.each([
    ['rttMs', { rttMs: Number.NaN }],
    ['rttMs', { rttMs: Number.POSITIVE_INFINITY }],
    ['rttMs', { rttMs: -1 }],
    ['port', { port: 0 }],
    ['port', { port: 80.5 }],
    ['port', { port: 70000 }],
    ['state', { state: 'opn' }],
    ['ts', { ts: '2026-01-01T00:00:00Z","x":"y' }],
  ])('refuses a record whose %s cannot be written (%j)', (field, change) => {
    expect(() => recordLine({ ...RECORDS[0]!, ...change } as ProbeRecord)).toThrow(new RegExp(`^recordLine: ${field} `));
  });
});

describe('arrayBatch', () => {
  it('gives the records as they are and their NDJSON, the lines joined', () => {
    const b = arrayBatch(RECORDS);
    expect(b.length).toBe(4);
    expect(b.records()).toBe(RECORDS);
    expect(b.ndjson()).toBe(RECORDS.map(recordLine).join(''));
    expect(b.ndjson().split('\n').slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(RECORDS);
    expect(arrayBatch([]).ndjson()).toBe('');
    expect(arrayBatch([]).length).toBe(0);
  });
});

describe('recordKey', () => {
  it('identifies a position by host and port only', () => {
    expect(recordKey(RECORDS[0]!)).toBe('127.0.0.1|22');
    expect(recordKey({ ...RECORDS[0]!, state: 'closed', rttMs: 5 } as ProbeRecord)).toBe(recordKey(RECORDS[0]!));
    expect(recordKey({ host: '::1', port: 22 })).not.toBe(recordKey({ host: '::1', port: 23 }));
  });
});
