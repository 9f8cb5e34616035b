/**
 * The bench's JSON Schema names every workload the bench can run: a lab
 * scenario missing from its enums makes a full `npm run bench` throw away
 * its result at the very end (it is kept only as *.invalid.json), and so
 * does a scanner (lab/tools.ts) missing from its list of tools.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BANNERS, NET_SCENARIOS } from '../bench/net-plan.js';
import { LOOPBACK_WORKLOADS } from '../bench/loopback.js';
import { SCENARIO_IDS } from '../lab/scenarios.js';
import { TOOLS } from '../lab/tools.js';

const schema = JSON.parse(readFileSync(new URL('../schemas/bench.schema.json', import.meta.url), 'utf8')) as unknown;

/** Every `enum` list in the schema, found by walking it. */
function enums(node: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(node)) node.forEach((n) => enums(n, out));
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'enum' && Array.isArray(v)) out.push(v);
      else enums(v, out);
    }
  }
  return out;
}

describe('bench.schema.json', () => {
  it('lists every workload a full bench can select', () => {
    const selection = enums(schema).find((e) => e.includes('W1') && e.includes('banners'));
    expect(selection).toBeDefined();
    for (const id of [...LOOPBACK_WORKLOADS, ...NET_SCENARIOS, BANNERS]) expect(selection).toContain(id);
  });

  it('lists every lab scenario among the network results', () => {
    const scenarios = enums(schema).find((e) => e.includes('rtt0') && !e.includes('W1'));
    expect(scenarios).toBeDefined();
    for (const id of SCENARIO_IDS) expect(scenarios).toContain(id);
  });

  it('lists every scanner the lab runs among the network results', () => {
    const tools = enums(schema).find((e) => e.includes('cscan'));
    expect(tools).toBeDefined();
    expect(Object.keys(TOOLS).length).toBeGreaterThanOrEqual(5);
    for (const id of Object.keys(TOOLS)) expect(tools).toContain(id);
  });
});
