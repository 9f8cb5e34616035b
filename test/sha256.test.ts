/** SHA-256 in TypeScript (src/sha256.ts) gives node:crypto's digest: scan keys and target digests stay what they were. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/sha256.js';

function nodeSha256(parts: ReadonlyArray<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('the FIPS 180-4 examples: %j', (text, hex) => {
    expect(sha256Hex([text])).toBe(hex);
  });

  it('matches node:crypto at every length around the block and padding edges, strings as UTF-8', () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(sha256Hex([bytes]), `${n} bytes`).toBe(nodeSha256([bytes]));
    }
    expect(sha256Hex(['é漢🙂'])).toBe(nodeSha256(['é漢🙂']));
  });

  it('matches node:crypto on either side of the size where node:crypto takes over (1 MiB), in parts', () => {
    // With the two bytes of "é": 1 MiB - 1 and 1 MiB in this code, 1 MiB + 1 and 3 MiB + 2 in node:crypto.
    for (const n of [(1 << 20) - 3, (1 << 20) - 2, (1 << 20) - 1, 3 << 20]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + (i >> 9)) & 0xff);
      const parts = [bytes.subarray(0, 1000), 'é', bytes.subarray(1000)];
      expect(sha256Hex(parts), `${n} bytes`).toBe(nodeSha256(parts));
    }
  });

  it('matches node:crypto on random parts, byte views at an offset among them (as TargetSet.digestInput gives)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 300 })), { maxLength: 6 }), fc.nat(8), (parts, skip) => {
        const withView = parts.map((p) => (typeof p === 'string' || p.length <= skip ? p : new Uint8Array(p.buffer, skip, p.length - skip)));
        expect(sha256Hex(withView)).toBe(nodeSha256(withView));
      }),
      { numRuns: 300 },
    );
  });
});
