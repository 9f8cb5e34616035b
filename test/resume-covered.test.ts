/**
 * CheckpointedRecords.covers (src/store/resume.ts): which records of an
 * interrupted shard directory a checkpoint vouches for, as resume and merge
 * --allow-partial read them. Checked against the plan walked forwards (chunk →
 * offset → position → shuffled index → host and port), where covers() walks
 * backwards through the inverse permutation. prepareScan sends no probes; the
 * targets are loopback.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { ShardscanError } from '../src/errors.js';
import type { CheckpointState } from '../src/model/checkpoint.js';
import { type ProbeRecord, makeRecord } from '../src/model/record.js';
import { type PreparedScan, prepareScan } from '../src/prepare.js';
import { chunkBounds } from '../src/shard/plan.js';
import { CheckpointedRecords } from '../src/store/resume.js';

async function prepare(order: 'random' | 'serial', shard: { index: number; total: number }): Promise<PreparedScan> {
  const { config } = resolveConfig({ targets: ['127.0.0.1-127.0.0.8'], ports: '1-1000', order, seed: 4242, shard, chunkSize: 256, workers: 2 }, { tuning: null });
  return prepareScan(config);
}

const rec = (host: string, port: number): ProbeRecord => makeRecord(host, port, 'closed', 'ECONNREFUSED', 0.1, 'unknown', '2026-01-01T00:00:00.000Z');

/** Chunk ids valid in both plans used here (61 chunks for 1/1, 42 for 2/3; main chunks of 256, tail chunks of 32). */
const CHECKPOINT: CheckpointState = {
  chunkSize: 256,
  chunks: 0, // set to the plan's by coveredBy below
  completedBelow: 3,
  completed: [5, 20, 40],
  partial: [{ id: 4, watermark: 100 }, { id: 6, watermark: 0 }, { id: 30, watermark: 31 }, { id: 41, watermark: 5 }],
  counts: { open: 0, closed: 0, filtered: 0, error: 0 },
  events: {},
};

/** Every record this shard owns, with whether the checkpoint covers it, walking the plan forwards. */
function expected(prep: PreparedScan, cp: CheckpointState): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (let c = 0; c < prep.plan.chunks; c++) {
    const b = chunkBounds(prep.plan, c);
    const wm = cp.partial.find((p) => p.id === c)?.watermark ?? 0;
    for (let k = 0; k < b.count; k++) {
      const position = b.start + k * b.stride;
      const index = prep.perm ? prep.perm.shuffle(position) : position;
      const host = prep.targets.at(Math.floor(index / prep.ports.count));
      const port = prep.ports.at(index % prep.ports.count);
      out.set(`${host}|${port}`, c < cp.completedBelow || cp.completed.includes(c) || k < wm);
    }
  }
  return out;
}

/**
 * covers() of a CheckpointedRecords over `cp`, made whole for the plan (its
 * chunk count, and counts as many as the positions it covers), each record
 * given as the next line of the file.
 */
function coveredBy(prep: PreparedScan, cp: CheckpointState): (r: ProbeRecord) => boolean {
  const covering = [...expected(prep, cp).values()].filter(Boolean).length;
  const whole = { ...cp, chunks: prep.plan.chunks, counts: { ...cp.counts, closed: covering } };
  const records = new CheckpointedRecords({ dir: 'd', recordsPath: 'd/shard-1-of-1.ndjson', manifest: { endedAt: null } }, prep, whole, 'E_RESUME');
  let line = 0;
  return (r) => records.covers(r, ++line);
}

function codeOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (err) {
    return err instanceof ShardscanError ? err.code : `not a ShardscanError: ${String(err)}`;
  }
}

describe('CheckpointedRecords.covers', () => {
  it.each([
    ['random', 1, 1],
    ['serial', 1, 1],
    ['random', 2, 3],
    ['serial', 2, 3],
  ] as const)('%s order, shard %i/%i: covers complete chunks, completedBelow and partial watermarks only', async (order, index, total) => {
    const prep = await prepare(order, { index, total });
    expect(prep.plan.chunks).toBe(total === 1 ? 61 : 42);
    const want = expected(prep, CHECKPOINT);
    expect(want.size).toBe(prep.plan.positions);
    const covered = coveredBy(prep, CHECKPOINT);
    let mismatches = 0;
    let yes = 0;
    for (const [key, should] of want) {
      const [host, port] = key.split('|');
      const got = covered(rec(host!, Number(port)));
      if (got !== should) mismatches++;
      if (got) yes++;
    }
    expect(mismatches).toBe(0);
    // Main chunks 0-2 alone hold 768 positions; most of the space stays uncovered.
    expect(yes).toBeGreaterThan(3 * 256);
    expect(yes).toBeLessThan(want.size / 2);
  });

  it('throws E_RESUME for a record another shard owns', async () => {
    const prep = await prepare('random', { index: 2, total: 3 });
    const mine = expected(prep, CHECKPOINT);
    const covered = coveredBy(prep, CHECKPOINT);
    let others = 0;
    for (let h = 1; h <= 8; h++) {
      for (let port = 1; port <= 1000; port++) {
        if (mine.has(`127.0.0.${h}|${port}`)) continue;
        others++;
        const code = codeOf(() => covered(rec(`127.0.0.${h}`, port)));
        if (code !== 'E_RESUME') expect.fail(`127.0.0.${h}:${port} gave ${code}`);
      }
    }
    expect(others).toBe(8000 - prep.plan.positions);
  });

  it.each([
    ['a host outside the targets', '127.0.0.9', 80],
    ['an IPv6 host', '::1', 80],
    ['a port outside the ports', '127.0.0.1', 1001],
    ['port 0', '127.0.0.1', 0],
  ])('throws E_RESUME for %s', async (_what, host, port) => {
    const prep = await prepare('random', { index: 1, total: 1 });
    expect(codeOf(() => coveredBy(prep, CHECKPOINT)(rec(host, port)))).toBe('E_RESUME');
  });

  it('covers nothing with an empty checkpoint, everything with completedBelow = chunks', async () => {
    const prep = await prepare('random', { index: 1, total: 1 });
    const none = coveredBy(prep, { ...CHECKPOINT, completedBelow: 0, completed: [], partial: [] });
    const all = coveredBy(prep, { ...CHECKPOINT, completedBelow: prep.plan.chunks, completed: [], partial: [] });
    const sample = [rec('127.0.0.1', 1), rec('127.0.0.8', 1000), rec('127.0.0.4', 555)];
    expect(sample.map(none)).toEqual([false, false, false]);
    expect(sample.map(all)).toEqual([true, true, true]);
  });
});
