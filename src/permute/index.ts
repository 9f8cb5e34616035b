/**
 * A seeded bijection on [0, range): a 4-round Feistel network over a nearly
 * square a×b domain, with cycle-walking for the values past `range` (the idea of
 * masscan's crypto-blackrock). It is a pure function of (index, range, seed), so
 * every worker, every machine and every resumed run computes the same walk
 * without ever listing it. Ranges up to 2^52 (MAX_RANGE) are exact: a·b, the
 * largest value the network and the cycle walk compute, stays below 2^53. Just
 * under 2^53 it did not (a·b − 1 rounded, two positions walked to one index,
 * and another index was never walked), so larger ranges are refused.
 */

/** The largest range a Permutation takes (and so the largest scan: src/prepare.ts). */
export const MAX_RANGE = 2 ** 52;

const ROUNDS = 4;

/** 32-bit mixing of (value, round, key): murmur3's finalizer with the key folded in. */
function roundFn(value: number, round: number, k0: number, k1: number): number {
  let h = (value ^ k0 ^ Math.imul(round, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= k1;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Permutation {
  readonly range: number;
  readonly seed: number;
  private readonly a: number;
  private readonly b: number;
  private readonly k0: number;
  private readonly k1: number;

  constructor(range: number, seed: number) {
    if (!Number.isInteger(range) || range < 1 || range > MAX_RANGE) throw new RangeError(`permutation range must be an integer in [1, 2^52], got ${range}`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    this.range = range;
    this.seed = seed;
    this.a = Math.max(1, Math.floor(Math.sqrt(range)));
    this.b = Math.ceil(range / this.a);
    this.k0 = seed % 0x100000000 | 0;
    this.k1 = Math.floor(seed / 0x100000000) ^ 0x5bd1e995;
  }

  private encrypt(m: number): number {
    const { a, b, k0, k1 } = this;
    let left = m % a;
    let right = Math.floor(m / a);
    for (let j = 1; j <= ROUNDS; j++) {
      const tmp = (left + roundFn(right, j, k0, k1)) % (j & 1 ? a : b);
      left = right;
      right = tmp;
    }
    return a * right + left;
  }

  private decrypt(c: number): number {
    const { a, b, k0, k1 } = this;
    let left = c % a;
    let right = Math.floor(c / a);
    for (let j = ROUNDS; j >= 1; j--) {
      const mod = j & 1 ? a : b;
      const prevRight = left;
      const prevLeft = (((right - roundFn(prevRight, j, k0, k1)) % mod) + mod) % mod;
      left = prevLeft;
      right = prevRight;
    }
    return a * right + left;
  }

  /** Position in the walk → index into the host×port space. */
  shuffle(position: number): number {
    let c = this.encrypt(position);
    while (c >= this.range) c = this.encrypt(c);
    return c;
  }

  /** Index into the host×port space → its position in the walk (the inverse of shuffle). */
  unshuffle(index: number): number {
    let c = this.decrypt(index);
    while (c >= this.range) c = this.decrypt(c);
    return c;
  }
}

/** Index → position for either order. */
export function positionOf(perm: Permutation | null, index: number): number {
  return perm === null ? index : perm.unshuffle(index);
}
