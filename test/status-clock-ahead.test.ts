/**
 * A shard killed on a machine whose clock runs ahead: its checkpoint and lock
 * carry times in this machine's future. "Younger than 10 s" held for any time
 * ahead, so the shard showed as running, and resume and merge refused it as
 * still being written, until this clock caught up (found by an audit). A
 * time ahead now says nothing; when the files last changed, as this machine
 * reads their mtime, decides.
 */
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK } from '../src/store/lock.js';
import { CHECKPOINT, MANIFEST } from '../src/store/outdir.js';
import { liveWriter, shardStatus } from '../src/store/status.js';
import { runCli, scratchDir } from './helpers/cli.js';

const AHEAD_MS = 5 * 60_000;

/** A stopped scan's directory made to look like a run killed on `machine-a`, its clock 5 minutes ahead; its files changed `agoMs` ago. */
async function killedAhead(agoMs: number): Promise<string> {
  const cwd = scratchDir();
  const r = await runCli(['127.0.0.1', '-p', '1-50', '--max-time', '0.001', '-q', '--no-blocklist', '--out-dir', 'd'], { cwd });
  expect(r.code, r.stderr).not.toBe(2);
  const dir = join(cwd, 'd');
  const ahead = new Date(Date.now() + AHEAD_MS).toISOString();
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  writeFileSync(join(dir, MANIFEST), JSON.stringify({ ...manifest, endedAt: null })); // killed: it never wrote its end
  const checkpoint = JSON.parse(readFileSync(join(dir, CHECKPOINT), 'utf8'));
  writeFileSync(join(dir, CHECKPOINT), JSON.stringify({ ...checkpoint, writtenAt: ahead }));
  writeFileSync(join(dir, LOCK), JSON.stringify({ pid: 4242, host: 'machine-a', since: ahead }));
  const then = (Date.now() - agoMs) / 1000;
  for (const f of [MANIFEST, CHECKPOINT, LOCK]) utimesSync(join(dir, f), then, then);
  return dir;
}

describe('a shard killed on a machine whose clock runs ahead', () => {
  it('is interrupted once its files have not changed for 10 s, and nothing is still writing it', async () => {
    const dir = await killedAhead(60_000);
    expect(shardStatus(dir).state).toBe('interrupted');
    expect(liveWriter(dir)).toBeNull();
  });

  it('is still running while its files change', async () => {
    const dir = await killedAhead(0);
    expect(shardStatus(dir).state).toBe('running');
    expect(liveWriter(dir)).toBe('a run on machine-a');
  });
});
