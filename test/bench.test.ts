/**
 * `npm run bench -- --quick` end to end: the real bench, in a child process,
 * writing to a temp dir. It must leave a schema-valid JSON with every
 * workload measured exactly (all expected targets found, no false opens) and
 * two SVG charts. Performance is not asserted here: the test machine is shared.
 *
 * `npm test` runs this file alone, after the others: their loopback fixtures
 * come and go within a scan, between the bench's before/after snapshots of
 * the listening sockets, and would read as false opens.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validator } from '../src/schemas.js';
import type { BenchDocument } from '../bench/types.js';

const BENCH = resolve(import.meta.dirname, '../dist/bench/main.js');
const out = mkdtempSync(join(tmpdir(), 'shardscan-bench-test-'));
let code: number | null = null;
let stderr = '';
let doc: BenchDocument;

beforeAll(async () => {
  expect(existsSync(BENCH), `${BENCH} is missing: run npm run build`).toBe(true);
  const child = spawn(process.execPath, [BENCH, '--quick', '--out', out, '--seed', '7'], {
    // No saved tuning may leak into the runs at defaults.
    env: { ...process.env, SHARDSCAN_CONFIG_DIR: join(out, 'config') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 85_000);
  code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  clearTimeout(killer);
  const json = readdirSync(out).filter((f) => f.endsWith('.json'));
  expect(json, `bench wrote no JSON; stderr:\n${stderr}`).toHaveLength(1);
  doc = JSON.parse(readFileSync(join(out, json[0]!), 'utf8')) as BenchDocument;
}, 90_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('exits 0', () => {
    expect(code, stderr).toBe(0);
  });

  it('writes a JSON that matches schemas/bench.schema.json', () => {
    const validate = validator('bench');
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.plan.mode).toBe('quick');
  });

  it('measures every workload in every cell, exactly', () => {
    expect(doc.workloads.map((w) => w.id)).toEqual(['W1', 'W2', 'W3', 'W4']);
    const cellsPer = doc.plan.workers.length * doc.plan.concurrency.length;
    for (const id of ['W1', 'W2', 'W3', 'W4'] as const) {
      const cells = doc.cells.filter((c) => c.workload === id);
      expect(cells, id).toHaveLength(cellsPer);
      for (const c of cells) {
        for (const r of c.runs) {
          const where = `${id} ${c.workers}w×${c.concurrency}: ${r.accuracy.examples.join('; ')}`;
          expect(r.accuracy.ratio, where).toBe(1);
          expect(r.accuracy.falseOpens, where).toBe(0);
        }
      }
    }
  });

  it('had something to find: the fixtures are really there', () => {
    // A ratio of 1 over nothing expected would pass without testing anything.
    const first = (id: string) => doc.cells.find((c) => c.workload === id)!.runs[0]!.accuracy;
    expect(first('W1').expectedOpen).toBeGreaterThanOrEqual(50);
    expect(first('W2').expectedOpen).toBeGreaterThanOrEqual(32);
    expect(first('W3').expectedFiltered).toBe(doc.plan.w3Targets);
  });

  it('reports W3 overshoot and the memory check', () => {
    for (const c of doc.cells.filter((x) => x.workload === 'W3')) {
      expect(c.timeout?.count).toBe(doc.plan.w3Targets * c.runs.length);
      expect(c.timeout!.histogram.reduce((a, b) => a + b, 0)).toBe(c.timeout!.count);
    }
    expect(doc.memory.runs.map((r) => r.name)).toEqual(['small', 'W1', 'W4-short', 'W4-long']);
    expect(doc.goals.length).toBeGreaterThanOrEqual(6);
  });

  it('draws both SVG charts', () => {
    for (const file of [doc.charts.throughput, doc.charts.overshoot]) {
      const svg = readFileSync(join(out, file), 'utf8');
      expect(svg.startsWith('<svg'), file).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>'), file).toBe(true);
    }
  });
});
