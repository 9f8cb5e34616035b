/**
 * Reports as objects with a lifecycle (src/output/report.ts): writeReport
 * writes start(), then one piece per batch, then end()'s pieces, in order and
 * with back-pressure, onto an in-memory stream. Every format gives the same
 * text whether batches come as plain arrays or as RecordBatch (arrayBatch),
 * and the JSON document stays valid with empty batches and with none.
 */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS } from '../src/config/index.js';
import { type ProbeRecord, type RecordBatch, arrayBatch } from '../src/model/record.js';
import type { ScanSummary } from '../src/model/summary.js';
import { WRITERS, createWriter } from '../src/output/formats.js';
import { type ReportContext, type ReportWriter, writeReport } from '../src/output/report.js';

const rec = (host: string, port: number, state: ProbeRecord['state'] = 'open'): ProbeRecord =>
  ({ host, port, state, reason: state === 'open' ? 'syn-ack' : 'ECONNREFUSED', rttMs: 0.5, service: 'unknown', ts: '2026-02-01T00:00:00.000Z' }) as ProbeRecord;

const summary: ScanSummary = {
  status: 'complete', stopReason: null, scanKey: 'abc', seed: 1, order: 'serial', shard: { index: 1, total: 1 }, hosts: 2, ports: 10, probes: 20,
  done: 20, counts: { open: 3, closed: 17, filtered: 0, error: 0 }, events: {}, engine: 'handle', workers: 1, concurrency: 8,
  startedAt: '2026-02-01T00:00:00.000Z', elapsedMs: 50, rate: 400,
};

const ctx: ReportContext = {
  version: '0.0.0', command: 'shardscan 127.0.0.1 ::1 -p 1-10', startedAt: summary.startedAt, seed: 1, order: 'serial', hosts: 2, ports: 10,
  states: ['open'], summary: () => summary, hostCounts: () => null,
};

const BATCHES: ProbeRecord[][] = [[rec('127.0.0.1', 1), rec('::1', 2)], [], [rec('127.0.0.1', 3, 'closed')]];

/** A stream that keeps what it is given, taking one write per macrotask (so back-pressure kicks in). */
function slowSink(): { out: Writable; text: () => string; drains: () => number } {
  const chunks: string[] = [];
  let drains = 0;
  const out = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      setImmediate(cb);
    },
  });
  out.on('drain', () => drains++);
  return { out, text: () => chunks.join(''), drains: () => drains };
}

async function* from<T>(items: readonly T[]): AsyncIterable<T> {
  for (const i of items) yield i;
}

async function render(format: (typeof OUTPUT_FORMATS)[number], batches: AsyncIterable<RecordBatch | readonly ProbeRecord[]>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  await WRITERS[format](batches, out, ctx);
  return text;
}

describe('writeReport', () => {
  it('writes start, each batch, then the end pieces, in order, waiting for drain', async () => {
    const calls: string[] = [];
    const writer: ReportWriter = {
      start: () => (calls.push('start'), '[start]'),
      batch: (b) => (calls.push(`batch:${b.length}`), b.length === 0 ? '' : `[batch ${b.records().map((r) => r.port).join(',')}]`),
      end: function* () {
        calls.push('end');
        yield '[end 1]';
        yield '';
        yield '[end 2]';
      },
    };
    const sink = slowSink();
    await writeReport(writer, from(BATCHES), sink.out);
    expect(calls).toEqual(['start', 'batch:2', 'batch:0', 'batch:1', 'end']);
    expect(sink.text()).toBe('[start][batch 1,2][batch 3][end 1][end 2]');
    expect(sink.drains()).toBeGreaterThan(0);
  });

  it('gathers the end pieces into writes of at most 64 KB, byte-exact, without reusing a buffer the stream still holds', async () => {
    // Multi-byte text across the write boundary, a piece bigger than a write, a Buffer between strings.
    const pieces: (string | Buffer)[] = [];
    for (let i = 0; i < 3000; i++) pieces.push(`${i}/tcp open é€𝄞 ${'x'.repeat(i % 37)}\n`);
    pieces.push('y'.repeat(100_000), Buffer.from('[raw bytes]\n'), 'z€\n');
    const writer: ReportWriter = { start: () => '', batch: () => '', end: () => pieces };
    const held: Buffer[] = [];
    const out = new Writable({
      highWaterMark: 1 << 20,
      // Keeps the very buffers it is given, and answers late: a reused buffer would show here.
      write(chunk: Buffer, _enc, cb) {
        held.push(chunk);
        setImmediate(cb);
      },
    });
    await writeReport(writer, from([]), out);
    await new Promise((done) => out.end(done));
    const expected = Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    expect(Buffer.concat(held).equals(expected)).toBe(true);
    // One write per ~64 KB, except the piece that is bigger on its own.
    expect(held.filter((c) => c.length > 1 << 16).map((c) => c.length)).toEqual([100_000]);
    expect(held.length).toBeLessThan(expected.length / 30_000);
  });

  it('rejects when the output is closed', async () => {
    const out = new PassThrough();
    out.destroy();
    await expect(writeReport(createWriter('ndjson', ctx), from(BATCHES), out)).rejects.toThrow(/output closed/);
  });

  it.each(OUTPUT_FORMATS)('%s: gives the same text for RecordBatch as for plain arrays', async (format) => {
    // The greppable and XML formats stamp the time they end: leave it out of the comparison.
    const clean = (t: string): string => t.replace(/done at \S+/, 'done at T').replace(/<finished time="\d+" timestr="[^"]*"/, '<finished');
    const asArrays = clean(await render(format, from(BATCHES)));
    const asBatches = clean(await render(format, from(BATCHES.map((b) => arrayBatch(b)))));
    expect(asBatches).toBe(asArrays);
    expect(asArrays).toContain('127.0.0.1');
  });

  it('keeps the JSON document valid with RecordBatch batches, empty ones, and none', async () => {
    const batches = [arrayBatch([]), ...BATCHES.map((b) => arrayBatch(b)), arrayBatch([]), arrayBatch([rec('::1', 9)])];
    const doc = JSON.parse(await render('json', from(batches))) as { scan: { hosts: number }; records: ProbeRecord[]; summary: ScanSummary };
    expect(doc.records).toEqual([...BATCHES.flat(), rec('::1', 9)]);
    expect(doc.summary).toEqual(summary);
    expect(doc.scan.hosts).toBe(2);
    const empty = JSON.parse(await render('json', from([]))) as { records: unknown[] };
    expect(empty.records).toEqual([]);
    const onlyEmpty = JSON.parse(await render('json', from([arrayBatch([]), arrayBatch([])]))) as { records: unknown[] };
    expect(onlyEmpty.records).toEqual([]);
  });
});
