/**
 * What a stopped bench keeps (bench/interrupted.ts): a matrix cut short
 * recommends nothing, while a loopback part that had ended keeps its
 * recommendation and goals when the lab part is stopped (the first version
 * dropped them, though the whole matrix had run).
 */
import { describe, expect, it } from 'vitest';
import { type LiveRun, interruptedDocument } from '../bench/interrupted.js';
import type { BenchDocument, CellResult } from '../bench/types.js';
import type { NetScenarioResult } from '../bench/net-types.js';

const cell = { workload: 'W1', workers: 2, concurrency: 64, runs: [], notes: [] } as unknown as CellResult;
const begun = (extra: Partial<BenchDocument> = {}): BenchDocument =>
  ({ version: 2, createdAt: '2026-12-03T00:00:00.000Z', durationMs: 0, notes: [], goals: [], recommendation: null, recommendationNote: 'no loopback workload ran', ...extra }) as unknown as BenchDocument;
const run = (doc: BenchDocument, cells: CellResult[], scenarios: NetScenarioResult[] = []): LiveRun => ({
  doc,
  outDir: '/nonexistent',
  stamp: 'x',
  startedAt: 0,
  nmapVersion: null,
  loopback: { workloads: [], cells, nmap: [], memory: [], defaults: { workers: 2, concurrency: 64 }, notes: [] },
  net: { scenarios, runs: 3 },
});

describe('a stopped bench', () => {
  it('with nothing measured: no document', () => {
    expect(interruptedDocument(run(begun(), []), 'SIGINT', 1000)).toBeNull();
  });

  it('in the middle of the matrix: the cells so far, no recommendation, no goals', () => {
    const d = interruptedDocument(run(begun(), [cell]), 'SIGINT', 61_000)!;
    expect(d.interrupted).toBe('SIGINT after 61 s');
    expect(d.cells).toEqual([cell]);
    expect(d.recommendation).toBeNull();
    expect(d.recommendationNote).toMatch(/interrupted/);
    expect(d.goals).toEqual([]);
  });

  it('in the lab part, after the matrix ended: the matrix keeps its recommendation and goals', () => {
    const recommendation = { workers: 2, concurrency: 64 } as unknown as BenchDocument['recommendation'];
    const goals = [{ group: 'loopback', goal: 'g', holds: true, detail: '' }] as unknown as BenchDocument['goals'];
    const nmap = { available: false, version: null, note: 'as the finished matrix wrote it', workloads: [] } as unknown as BenchDocument['nmap'];
    const doc = begun({ cells: [cell], recommendation, recommendationNote: 'fastest', goals, nmap });
    const d = interruptedDocument(run(doc, [cell], [{ id: 'rtt20' } as unknown as NetScenarioResult]), 'SIGTERM', 5000)!;
    expect(d.recommendation).toEqual(recommendation);
    expect(d.recommendationNote).toBe('fastest');
    expect(d.goals).toEqual(goals);
    // The finished matrix's sections stay as it wrote them, not rebuilt as a part cut short.
    expect(d.nmap).toBe(nmap);
    expect(d.net?.scenarios).toHaveLength(1);
  });
});
