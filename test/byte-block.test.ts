/**
 * ByteBlock gathers pieces as bytes for the report writer (a fresh block per
 * take: the stream may keep the one it was given) and the resume's rewrite
 * (one block reused: its writes are synchronous).
 */
import { describe, expect, it } from 'vitest';
import { ByteBlock } from '../src/model/byte-block.js';

describe('ByteBlock', () => {
  it('fits a string by its worst-case UTF-8 size, a Buffer by its length, and nothing larger than a block', () => {
    const b = new ByteBlock(12);
    expect(b.fits('abcd')).toBe(true); // 12 bytes at most
    expect(b.fits('abcde')).toBe(false);
    expect(b.fits(Buffer.alloc(12))).toBe(true);
    expect(b.fits(Buffer.alloc(13))).toBe(false);
    b.add('é'); // 2 bytes
    expect(b.fits('abc')).toBe(true); // 2 + 9 ≤ 12
    expect(b.fits('abcd')).toBe(false); // 2 + 12 > 12
  });

  it('takes exactly the bytes added, multi-byte and Buffer pieces alike, and is empty after', () => {
    const b = new ByteBlock(64);
    b.add('é€');
    b.add(Buffer.from('[x]'));
    b.add('𝄞\n');
    expect(b.take().toString('utf8')).toBe('é€[x]𝄞\n');
    expect(b.take().length).toBe(0);
  });

  it('fresh: a block taken is never written into again; reused: the same memory comes back', () => {
    const fresh = new ByteBlock(16, true);
    fresh.add('first');
    const first = fresh.take();
    fresh.add('second');
    fresh.take();
    expect(first.toString()).toBe('first');
    const reused = new ByteBlock(16);
    reused.add('first');
    const one = reused.take();
    reused.add('SECOND');
    const two = reused.take();
    // The same bytes, not only the same pool (Buffers under 4 KiB share Node's 8 KiB pool, fresh ones too).
    expect(two.buffer).toBe(one.buffer);
    expect(two.byteOffset).toBe(one.byteOffset);
    expect(one.toString()).toBe('SECON');
    expect(two.toString()).toBe('SECOND');
  });
});
