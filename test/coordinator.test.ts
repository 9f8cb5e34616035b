/**
 * The coordinator resumed from a hand-made checkpoint runs every position the
 * checkpoint does not cover exactly once: complete chunks are skipped even
 * after the low-water mark passes them, partial ones restart at their cursor.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { positionOf } from '../src/permute/index.js';
import { Coordinator } from '../src/pool/coordinator.js';
import { InProcessRunner } from '../src/pool/in-process.js';
import { prepareScan } from '../src/prepare.js';
import { chunkBounds, locate } from '../src/shard/plan.js';
import type { ProbeRecord } from '../src/model/record.js';

describe('coordinator resume', () => {
  it('runs exactly the positions a checkpoint leaves', async () => {
    // One worker, one connect at a time: three chunks in flight at most.
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1-3000', seed: 5, chunkSize: 256, workers: 1, concurrency: 1, states: ['open', 'closed', 'filtered', 'error'] }, { tuning: null });
    const prep = await prepareScan(config);
    expect(prep.plan.chunks).toBeGreaterThan(8);
    const checkpoint = {
      chunkSize: prep.plan.chunkSize,
      chunks: prep.plan.chunks,
      completedBelow: 2,
      completed: [3, 5, 6],
      // Three partial chunks fill the three chunk slots (1 worker × 2 + 1), so the
      // walk over new chunks waits at 2 while chunk 2 completes and the low-water
      // mark jumps over complete chunk 3.
      partial: [{ id: 2, watermark: 0 }, { id: 4, watermark: 10 }, { id: 7, watermark: 0 }],
      counts: { open: 0, closed: 0, filtered: 0, error: 0 },
      events: {},
    };
    const covered = (chunk: number, k: number) => chunk < 2 || [3, 5, 6].includes(chunk) || (chunk === 4 && k < 10);
    const records: ProbeRecord[] = [];
    const summary = await new Coordinator(prep, { records: (b) => records.push(...b.records()) }, { resume: checkpoint, runner: new InProcessRunner() }).run();
    const seen = new Set<string>();
    for (const r of records) {
      const key = `${r.host}:${r.port}`;
      expect(seen.has(key), `${key} twice`).toBe(false);
      seen.add(key);
      const loc = locate(prep.plan, positionOf(prep.perm, prep.targets.indexOf(r.host) * prep.ports.count + prep.ports.indexOf(r.port)))!;
      expect(covered(loc.chunk, loc.k), `chunk ${loc.chunk} offset ${loc.k} was covered`).toBe(false);
    }
    let expected = 0;
    for (let id = 0; id < prep.plan.chunks; id++) {
      const { count } = chunkBounds(prep.plan, id);
      for (let k = 0; k < count; k++) if (!covered(id, k)) expected++;
    }
    expect(records).toHaveLength(expected);
    expect(summary.status).toBe('complete');
  });
});
