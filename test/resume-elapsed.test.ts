/**
 * A run killed with SIGKILL never writes its time to the manifest; its
 * resume adds it (start to last checkpoint, as `status` counted it). Without
 * it, `status` after the resume divided every position by the resume's time
 * alone: 3.6k/s for a 500/s scan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

interface StatusEntry {
  state: string;
  done: number;
  elapsedMs: number;
  rate: number;
}

async function statusOf(dir: string): Promise<StatusEntry> {
  const r = await runCli(['status', dir, '--json']);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { scans: { entries: StatusEntry[] }[] };
  return doc.scans[0]!.entries[0]!;
}

/** Positions the directory's checkpoint covers; 0 while it has none (or is being replaced). */
function checkpointDone(dir: string): number {
  try {
    const cp = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { counts: Record<string, number> };
    return Object.values(cp.counts).reduce((a, b) => a + b, 0);
  } catch {
    return 0;
  }
}

describe('resume after SIGKILL', () => {
  /** A scan of ~3 s (--rate 2000) into `dir`, killed as soon as a checkpoint (one a second) covers some positions. */
  const killedScan = (dir: string): ReturnType<typeof runCli> =>
    runCli(['127.0.0.1', '-p', '1-6000', '--rate', '2000', '--states', 'all', '-q', '-f', 'ndjson', '-o', '/dev/null', '--out-dir', dir], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (checkpointDone(dir) === 0) return;
          clearInterval(poll);
          child.kill('SIGKILL');
        }, 5);
        child.once('exit', () => clearInterval(poll));
      },
    });

  it("counts the killed run's time in the scan's elapsed time and rate", async () => {
    const dir = join(scratchDir(), 'k');
    const killed = await killedScan(dir);
    expect(killed.signal).toBe('SIGKILL');
    const before = await statusOf(dir);
    expect(before.state).toBe('interrupted');
    expect(before.done).toBeGreaterThan(0);
    expect(before.elapsedMs).toBeGreaterThan(0);

    const resumed = await runCli(['resume', dir, '-q', '--summary-json', join(dir, '..', 'again.json')]);
    expect(resumed.code).toBe(0);
    const again = JSON.parse(readFileSync(join(dir, '..', 'again.json'), 'utf8')) as { elapsedMs: number };
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string; elapsedMs: number };
    expect(manifest.status).toBe('complete');
    expect(manifest.elapsedMs).toBe(before.elapsedMs + again.elapsedMs);
    const after = await statusOf(dir);
    expect(after).toMatchObject({ state: 'complete', done: 6000, elapsedMs: manifest.elapsedMs });
    // 2,000 probes a second at most, in each run: no more over the whole scan.
    expect(after.rate).toBeLessThanOrEqual(2100);
  });

  it('a slice after it that decides nothing keeps the killed run\'s time and ends the manifest (it has no end time of its own to keep)', async () => {
    const dir = join(scratchDir(), 'k');
    expect((await killedScan(dir)).signal).toBe('SIGKILL');
    const before = await statusOf(dir);
    const slice = await runCli(['resume', dir, '-q', '--max-time', '1ms', '-o', '/dev/null']);
    expect(slice.stderr).toMatch(/so nothing was probed/);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { endedAt: string | null; stopReason: string; resumed: number; elapsedMs: number };
    expect(manifest).toMatchObject({ stopReason: 'time-limit', resumed: 0, elapsedMs: before.elapsedMs });
    expect(manifest.endedAt).not.toBeNull();
    expect(await statusOf(dir)).toMatchObject({ state: 'interrupted', stopReason: 'time-limit', elapsedMs: before.elapsedMs });
  });
});
