/**
 * The lab runner does not score a tool that failed: a run that exited
 * non-zero (here, shardscan refusing an unknown option before any probe) is
 * void, and a table without one valid run in a cell exits 1. Before, such a
 * run was scored as a fast, inaccurate one and run-scenario exited 0.
 * Builds the icmp scenario's lab (198.18.x.x inside its own namespaces).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipLab } from './helpers/lab.js';

const ROOT = resolve(import.meta.dirname, '..');

describe.skipIf(skipLab())('lab runner: a tool that exits non-zero', () => {
  it('is void, and run-scenario exits 1 naming it', async () => {
    const cmd = `${process.execPath} ${ROOT}/dist/src/cli/main.js {targets} -p {ports} --no-such-option -q --no-out-dir -f ndjson`;
    const child = spawn(process.execPath, [`${ROOT}/dist/lab/run-scenario.js`, 'icmp', '--runs', '1', '--timeout', '20', '--cmd', cmd, '--parse', 'ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGINT'), 60_000);
    const code = await new Promise<number | null>((done) => child.on('close', (c) => (clearTimeout(killer), done(c))));
    expect(stderr).toMatch(/VOID: the tool exited with 2: shardscan: error: .*no-such-option/);
    expect(stderr).toMatch(/run-scenario: no valid run \(every run void or over the --timeout cap\) of custom on icmp\n$/);
    expect(stdout).toMatch(/void/);
    expect(code).toBe(1);
  }, 70_000);
});
