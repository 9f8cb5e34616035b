/**
 * merge of a shard that has not finished. One still running was called
 * "did not finish (status interrupted); run shardscan resume on it first",
 * and the resume then refused it ("still being written by process N");
 * `--allow-partial` said it stopped by a signal (`INTERRUPTED (signal)`).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';
import { waitFor } from './helpers/wait.js';

const SCAN = ['127.0.0.1', '-p', '1-2000', '--seed', '7', '--states', 'all', '-q', '-f', 'ndjson', '-o', '/dev/null'];

describe('merge of an unfinished shard', () => {
  it('names a running one with its process, says "unfinished" with --allow-partial, and asks to resume a killed or stopped one', async () => {
    const cwd = scratchDir();
    const one = await runCli([...SCAN, '--shard', '1/2', '--out-dir', 's1'], { cwd });
    expect(one.code, one.stderr).toBe(0);
    let child: ChildProcess | undefined;
    const slow = runCli([...SCAN, '--shard', '2/2', '--rate', '100', '--out-dir', 's2'], { cwd, onSpawn: (c) => (child = c) });
    await waitFor(() => existsSync(join(cwd, 's2', 'running.lock')) && existsSync(join(cwd, 's2', 'manifest.json')), 20_000);

    const running = await runCli(['merge', 's1', 's2', '-f', 'ndjson'], { cwd });
    expect(running.code).toBe(2);
    expect(running.stderr).toBe(`shardscan: error: s2 is still being written by process ${child!.pid}; merge once it has finished (or --allow-partial, for what its checkpoint covers so far)\n`);

    const partial = await runCli(['merge', 's1', 's2', '--allow-partial', '-f', 'json'], { cwd });
    expect(partial.code, partial.stderr).toBe(0);
    expect((JSON.parse(partial.stdout) as { summary: { status: string; stopReason: string } }).summary).toMatchObject({ status: 'interrupted', stopReason: 'unfinished' });

    child!.kill('SIGKILL');
    expect((await slow).signal).toBe('SIGKILL');
    const killed = await runCli(['merge', 's1', 's2', '-f', 'ndjson'], { cwd });
    expect(killed.code).toBe(2);
    expect(killed.stderr).toBe('shardscan: error: s2 (killed, or quit at once) did not finish; run shardscan resume on it first (or --allow-partial)\n');

    const stopped = await runCli(['resume', 's2', '-q', '--max-time', '0.2'], { cwd });
    expect(stopped.code, stopped.stderr).toBe(0);
    const again = await runCli(['merge', 's2', 's1', '-f', 'ndjson'], { cwd });
    expect(again.stderr).toBe('shardscan: error: s2 (stopped: time-limit) did not finish; run shardscan resume on it first (or --allow-partial)\n');
  });
});
