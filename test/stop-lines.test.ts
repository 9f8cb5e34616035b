/**
 * The lines a stop writes on a stderr that is a file or a pipe: no empty line
 * before "stopping" (or "interrupted again": each got one, meant to end a
 * terminal's "^C" echo or progress bar, which a pipe does not have; found by
 * an audit). Loopback only.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, blackholePorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { checkpointIn, signalWhen } from './helpers/wait.js';

let filtered: Fixture;
beforeAll(async () => {
  filtered = await blackholePorts(2);
});
afterAll(() => filtered?.close());

describe('a stop, with stderr a pipe', () => {
  it('Ctrl+C: no empty line on stderr', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', filtered.ports.join(','), '--timeout', '20000', '--min-rtt-timeout', '20s', '-q', '--out-dir', 'd', '-o', '/dev/null'], {
      cwd,
      onSpawn: (child) => void signalWhen(child, () => checkpointIn(join(cwd, 'd')), 'SIGINT'),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^shardscan: stopping \(Ctrl\+C again to quit at once\)…\n/);
    expect(r.stderr.split('\n').slice(0, -1)).not.toContain('');
  });
});
