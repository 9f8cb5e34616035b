/**
 * readRecords (merge, validate, resume) reads a shard's records file a block
 * of bytes at a time, as readline read it line by line before: every record
 * in order, across blocks and lines longer than a block, with CRLF endings and
 * empty lines taken, a last line without its newline skipped (a run killed
 * mid-write; even one that parses may be cut), and a bad line named by number.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ProbeRecord, recordLine } from '../src/model/record.js';
import { readRecords } from '../src/store/read.js';
import { scratchDir } from './helpers/cli.js';

const rec = (i: number, service = 'unknown'): ProbeRecord => ({ host: `127.0.${i >> 8}.${i & 255}`, port: 1 + (i % 7), state: 'closed', reason: 'ECONNREFUSED', rttMs: i / 10, service, ts: '2026-12-02T00:00:00.000Z' });

// 5,000 records (~0.6 MB, many blocks); one 200 KB long, with a character of two UTF-8 bytes at a block's edge somewhere.
const all = Array.from({ length: 5000 }, (_, i) => rec(i, i === 1234 ? `é${'x'.repeat(200_000)}é` : i % 97 === 0 ? 'sérvice' : 'unknown'));
const dir = scratchDir();

async function read(text: string): Promise<ProbeRecord[]> {
  const path = join(dir, `r-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(path, text);
  const out: ProbeRecord[] = [];
  for await (const r of readRecords(path)) out.push(r);
  return out;
}

describe('readRecords', () => {
  it('every record in order, across blocks and a line longer than a block', async () => {
    expect(await read(all.map(recordLine).join(''))).toEqual(all);
  });

  it('CRLF endings and empty lines are taken', async () => {
    const text = all.map((r, i) => (i % 3 === 0 ? recordLine(r).replace(/\n$/, '\r\n') : recordLine(r)) + (i % 50 === 0 ? '\n\r\n' : '')).join('');
    expect(await read(text)).toEqual(all);
  });

  it('a last line without its newline is skipped, cut or not', async () => {
    const body = all.slice(0, 100).map(recordLine).join('');
    const last = recordLine(rec(100)).trimEnd();
    expect(await read(body + last)).toEqual(all.slice(0, 100));
    expect(await read(body + last.slice(0, 30))).toEqual(all.slice(0, 100));
    expect(await read(body)).toEqual(all.slice(0, 100));
  });

  it('a bad line is named by its number, counting empty lines and the long one', async () => {
    const lines = all.slice(0, 2000).map(recordLine);
    lines.splice(10, 0, '\n');
    lines.splice(1500, 0, '{"host": nope}\n');
    await expect(read(lines.join(''))).rejects.toThrow(/r-\w+\.ndjson:1501: not JSON/);
  });
});
