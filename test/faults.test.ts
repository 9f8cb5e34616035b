/** A worker that dies mid-chunk: its chunk is re-run, nothing lost, nothing twice. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, openPorts } from './fixtures/net.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

let open: Fixture;
let ports: string;
const SEED = '4242';

beforeAll(async () => {
  open = await openPorts(4);
  ports = `1-3000,${open.ports.join(',')}`;
});
afterAll(async () => open?.close());

/** host:port:state of every record, sorted: what must match between runs. */
const keys = (text: string): string[] => ndjson(text).map((x) => `${x.host}:${x.port}:${x.state}`).sort();

async function unsharded(extra: string[] = []): Promise<string[]> {
  const r = await runCli(['127.0.0.1,127.0.0.2', '-p', ports, '--seed', SEED, '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', ...extra]);
  expect(r.code).toBe(0);
  return keys(r.stdout);
}

describe('faults', () => {
  it('a worker that dies mid-chunk has its chunk re-run: nothing lost, nothing twice', async () => {
    const r = await runCli(['127.0.0.1,127.0.0.2', '-p', ports, '--seed', SEED, '-f', 'ndjson', '--states', 'all', '--no-out-dir'], { env: { SHARDSCAN_FAULT: 'crash:chunk=1:after=200' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/chunk-rerun [1-9]/);
    expect(keys(r.stdout)).toEqual(await unsharded());
  });
});
