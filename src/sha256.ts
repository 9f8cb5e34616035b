/**
 * SHA-256 (FIPS 180-4) of a few byte strings: the scan key and the target
 * digest (prepare.ts), which shard manifests and resumes compare.
 *
 * Not node:crypto: importing it loads 17 of Node's internal modules (ciphers,
 * keys, X.509, WebCrypto) before the first probe, ~8 ms of every start for
 * one hash of a few hundred bytes (the target digest hashes 8 bytes per
 * address range): `shardscan 127.0.0.1 -p 1` as typed, medians of 40
 * alternating runs on 2026-12-06, 167.3 ms with node:crypto, 159.4 without.
 * Above NATIVE_ABOVE bytes (a list of tens of thousands of scattered
 * addresses) node:crypto is loaded after all: its start-up share is then
 * the least of it. test/sha256.test.ts checks both against node:crypto.
 */
import { createRequire } from 'node:module';

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const ror = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/**
 * Inputs larger than this are hashed by node:crypto, loaded then: this code
 * does ~30 MB/s and copies the message, and the target digest of a 1M-line
 * -iL list (16 MB) took 0.52 s here; OpenSSL takes a few ms.
 */
const NATIVE_ABOVE = 1 << 20;

/** The SHA-256 of `parts` one after the other (strings as UTF-8, as node:crypto's update() takes them), in hex. */
export function sha256Hex(parts: Iterable<string | Uint8Array>): string {
  const encoder = new TextEncoder();
  const bytes = [...parts].map((p) => (typeof p === 'string' ? encoder.encode(p) : p));
  const length = bytes.reduce((n, b) => n + b.length, 0);
  if (length > NATIVE_ABOVE) {
    const hash = (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash('sha256');
    for (const b of bytes) hash.update(b);
    return hash.digest('hex');
  }
  // The message, a 1 bit, zeros, and its length in bits (64-bit big-endian), in whole 64-byte blocks.
  const msg = new Uint8Array(Math.ceil((length + 9) / 64) * 64);
  let at = 0;
  for (const b of bytes) {
    msg.set(b, at);
    at += b.length;
  }
  msg[length] = 0x80;
  const view = new DataView(msg.buffer);
  view.setUint32(msg.length - 8, Math.floor(length / 2 ** 29));
  view.setUint32(msg.length - 4, (length * 8) >>> 0);

  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let block = 0; block < msg.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + 4 * t);
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      w[t] = w[t - 16]! + (ror(x, 7) ^ ror(x, 18) ^ (x >>> 3)) + w[t - 7]! + (ror(y, 17) ^ ror(y, 19) ^ (y >>> 10));
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) >>> 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0]! += a;
    h[1]! += b;
    h[2]! += c;
    h[3]! += d;
    h[4]! += e;
    h[5]! += f;
    h[6]! += g;
    h[7]! += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}
