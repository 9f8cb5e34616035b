/**
 * The scan the fault, resume and shard tests compare against: 127.0.0.1 and
 * 127.0.0.2 × ports 1-3000 plus four open ones, one seed, every state. Each
 * test runs it some other way (a crashing worker, SIGKILL and resume, three
 * shards) and must get exactly what one plain run gets.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { type Fixture, openPorts } from '../fixtures/net.js';
import { ndjson, runCli } from './cli.js';

export const HOSTS = '127.0.0.1,127.0.0.2';
export const SEED = '4242';

/** host:port:state of every record, sorted: what must match between runs. */
export const keys = (text: string): string[] => ndjson(text).map((x) => `${x.host}:${x.port}:${x.state}`).sort();

export interface TwoHostScan {
  /** The port list (valid once the file's beforeAll ran). */
  ports(): string;
  /** The fixture's open ports. */
  open(): number[];
  /** keys() of one plain, uninterrupted run with `extra` flags. */
  unsharded(extra?: string[]): Promise<string[]>;
}

/** Open the fixture ports for the calling test file (its beforeAll/afterAll). */
export function twoHostScan(): TwoHostScan {
  let fixture: Fixture | undefined;
  let ports = '';
  beforeAll(async () => {
    fixture = await openPorts(4);
    ports = `1-3000,${fixture.ports.join(',')}`;
  });
  afterAll(async () => fixture?.close());
  return {
    ports: () => ports,
    open: () => fixture!.ports,
    async unsharded(extra = []) {
      const r = await runCli([HOSTS, '-p', ports, '--seed', SEED, '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', ...extra]);
      expect(r.code).toBe(0);
      return keys(r.stdout);
    },
  };
}
