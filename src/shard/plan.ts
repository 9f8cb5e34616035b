/**
 * Splits the walk into machine shards and chunks, as parameters, never lists.
 *
 * Machine shard x of y owns the positions p with p mod y = x-1 (masscan's
 * --shards). Its j-th position is (x-1) + j*y. Chunk c of that shard owns
 * j in [c*C, (c+1)*C): positions start + k*stride with start = (x-1) + c*C*y,
 * stride = y, k in [0, count). Chunk ids do not depend on the worker count, so
 * a resumed run may use a different --workers.
 */
import { ShardscanError, quote } from '../errors.js';

/** 1-based machine shard: index x of total y. */
export interface ShardSpec {
  index: number;
  total: number;
}

/** Parse "x/y" (1-based, masscan style). */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || index < 1 || index > total || total > 1_000_000) {
    throw new ShardscanError('E_OPTION', `bad --shard '${quote(text)}': give x/y with 1 <= x <= y <= 1,000,000, e.g. --shard 2/4`);
  }
  return { index, total };
}

export interface ShardPlan {
  /** Size of the whole host×port space. */
  range: number;
  shard: ShardSpec;
  /** Positions this shard owns. */
  positions: number;
  /** Size of the main chunks. */
  chunkSize: number;
  /** Chunks of chunkSize, first. */
  mainChunks: number;
  /** Size of the small chunks that cover the end of the walk. */
  tailChunkSize: number;
  /** All chunks: main ones, then tail ones. */
  chunks: number;
}

export interface ChunkBounds {
  id: number;
  start: number;
  stride: number;
  count: number;
}

/** Smallest and largest chunk; large chunks keep plans of a /8 small. */
export const MIN_CHUNK = 256;
export const MAX_CHUNK = 65536;
/** The last TAIL_CHUNKS × chunkSize positions go in chunks TAIL_SPLIT times smaller. */
const TAIL_CHUNKS = 4;
const TAIL_SPLIT = 8;

/** A chunk size that gives every worker several chunks, for balance and cheap checkpoints. */
export function defaultChunkSize(positions: number, workers: number): number {
  const target = Math.ceil(positions / Math.max(1, workers * 8));
  let size = MIN_CHUNK;
  while (size < target && size < MAX_CHUNK) size *= 2;
  return size;
}

/**
 * Worker threads a plan can keep busy: one per chunk at most. A thread with no
 * chunk only costs its boot (~10 MB and ~50 ms of CPU each): --workers 256 for
 * 11 ports started 256 threads for the plan's one chunk, 2 GB and 17 s.
 */
export function threadsFor(plan: Pick<ShardPlan, 'chunks'>, workers: number): number {
  return Math.max(1, Math.min(workers, plan.chunks));
}

/**
 * The plan is a pure function of (range, shard, chunkSize), so a resumed run
 * rebuilds the same chunk ids. The end of the walk is cut into chunks eight
 * times smaller: the last chunks then finish close together on every worker
 * instead of one worker running a whole large chunk alone.
 */
export function planShard(range: number, shard: ShardSpec, chunkSize: number): ShardPlan {
  if (!(Number.isSafeInteger(range) && range >= 0)) throw new RangeError(`planShard: range ${range} is not a count of positions`);
  if (!(Number.isInteger(shard.total) && shard.total >= 1 && Number.isInteger(shard.index) && shard.index >= 1 && shard.index <= shard.total)) {
    throw new RangeError(`planShard: shard ${shard.index}/${shard.total} is not one of 1/y to y/y`);
  }
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new RangeError(`planShard: chunk size ${chunkSize} is not a positive integer`);
  const first = shard.index - 1;
  const positions = first < range ? Math.ceil((range - first) / shard.total) : 0;
  const tailChunkSize = Math.max(1, Math.floor(chunkSize / TAIL_SPLIT));
  const mainChunks = Math.max(0, Math.floor((positions - TAIL_CHUNKS * chunkSize) / chunkSize));
  const tailChunks = Math.ceil((positions - mainChunks * chunkSize) / tailChunkSize);
  return { range, shard, positions, chunkSize, mainChunks, tailChunkSize, chunks: mainChunks + tailChunks };
}

/** First offset (j) of a chunk within this shard's positions, and its length. */
function span(plan: ShardPlan, id: number): { firstJ: number; count: number } {
  const mainEnd = plan.mainChunks * plan.chunkSize;
  const firstJ = id < plan.mainChunks ? id * plan.chunkSize : mainEnd + (id - plan.mainChunks) * plan.tailChunkSize;
  const size = id < plan.mainChunks ? plan.chunkSize : plan.tailChunkSize;
  return { firstJ, count: Math.max(0, Math.min(size, plan.positions - firstJ)) };
}

export function chunkBounds(plan: ShardPlan, id: number): ChunkBounds {
  const { firstJ, count } = span(plan, id);
  return { id, start: plan.shard.index - 1 + firstJ * plan.shard.total, stride: plan.shard.total, count };
}

/** Which chunk and offset hold a position of this shard, or null if another shard owns it. */
export function locate(plan: ShardPlan, position: number): { chunk: number; k: number } | null {
  const rel = position - (plan.shard.index - 1);
  if (rel < 0 || rel % plan.shard.total !== 0) return null;
  const j = rel / plan.shard.total;
  if (j >= plan.positions) return null;
  const mainEnd = plan.mainChunks * plan.chunkSize;
  if (j < mainEnd) return { chunk: Math.floor(j / plan.chunkSize), k: j % plan.chunkSize };
  return { chunk: plan.mainChunks + Math.floor((j - mainEnd) / plan.tailChunkSize), k: (j - mainEnd) % plan.tailChunkSize };
}
