/**
 * A shard whose last run did not end (killed: endedAt null) says no stop
 * reason of its own. Its manifest kept the reason of the run before (a
 * resume reopened it without clearing it), and merge reported a shard
 * SIGKILLed after a --max-time stop as "interrupted (time-limit)", where
 * status and plain merge said killed (found by an audit).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestSummary } from '../src/store/merge.js';
import { MANIFEST, type Manifest } from '../src/store/outdir.js';
import { runCli, scratchDir } from './helpers/cli.js';

describe("a shard whose last run was killed", () => {
  it('is merged as stopped by a signal, not by the reason of the run before it', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1-50', '--max-time', '0.001', '-q', '--out-dir', 'd'], { cwd });
    expect(r.code, r.stderr).not.toBe(2);
    const stopped = JSON.parse(readFileSync(join(cwd, 'd', MANIFEST), 'utf8')) as Manifest;
    expect(stopped).toMatchObject({ status: 'interrupted', stopReason: 'time-limit' });
    expect(manifestSummary(stopped).stopReason).toBe('time-limit');
    // A resume of it, killed: its manifest as the old reopen left it (endedAt null, the earlier reason kept).
    expect(manifestSummary({ ...stopped, endedAt: null }).stopReason).toBe('signal');
  });
});
