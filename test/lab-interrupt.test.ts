/**
 * Ctrl+C during `npm run lab`: its --json file is left as it was until a
 * scenario is done (it was emptied at the start, so a stop lost an earlier
 * file's results and kept none), and no scratch directory is left in /tmp
 * (/tmp/shardscan-lab-* was: the runner's `finally` does not run on exit).
 * Builds the rtt200 scenario's lab (198.18.x.x inside its own namespaces).
 * Needs root, iproute2, nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipLab } from './helpers/lab.js';
import { scratchDir } from './helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '..');
const labScratch = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith('shardscan-lab-'));

describe.skipIf(skipLab())('lab runner: Ctrl+C', () => {
  it('keeps the --json file it was given, and leaves no scratch directory', async () => {
    const json = join(scratchDir(), 'lab.json');
    writeFileSync(json, '["earlier results"]\n');
    const before = labScratch();
    const child = spawn(process.execPath, [`${ROOT}/dist/lab/run-scenario.js`, 'rtt200', '--tool', 'shardscan', '--runs', '3', '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The first run is done: the lab is up, its scratch directory made, the scenario not finished.
      if (/run 1\/3/.test(stderr)) child.kill('SIGINT');
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((done) => child.on('close', (c) => (clearTimeout(killer), done(c))));
    expect(code, stderr).toBe(130);
    expect(readFileSync(json, 'utf8')).toBe('["earlier results"]\n');
    expect(labScratch().filter((d) => !before.includes(d))).toEqual([]);
  }, 70_000);
});
