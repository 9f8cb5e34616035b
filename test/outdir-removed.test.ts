/**
 * A shard directory removed while its scan writes it (rm -rf, a clean-up job)
 * ends the scan with one line that says so. It said "ENOENT. Free some space;
 * then: shardscan resume DIR" and "continue with: shardscan resume DIR": no
 * space was short, and there was nothing left to resume.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

/**
 * `rm -rf` of a directory the scan is still writing: a file the scan creates
 * between rm's listing and its rmdir fails the rmdir with ENOTEMPTY (seen in
 * CI), and rm -rf is run again, as a person would. Bounded: the scan creates
 * a file or two a second.
 */
function removeWhileWritten(dir: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt === 20) throw err;
    }
  }
}

describe('a shard directory removed during its scan', () => {
  it('ends the scan with one line that says so, and no advice to free space or resume', async () => {
    const cwd = scratchDir();
    const dir = join(cwd, 'd');
    let removed = false;
    // 6,000 probes at 2,000/s: 3 s, and a checkpoint every second.
    const r = await runCli(['127.0.0.1', '-p', '1-6000', '--rate', '2000', '--out-dir', 'd', '-o', '/dev/null'], {
      cwd,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(join(dir, 'manifest.json'))) return;
          clearInterval(poll);
          removeWhileWritten(dir);
          removed = true;
        }, 20);
        child.once('exit', () => clearInterval(poll));
      },
    });
    expect(removed).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^shardscan: error: cannot write (.*\/)?d\/(checkpoint|manifest)\.json: ENOENT: the shard directory was removed or moved while this run wrote it; nothing more can be kept there$/m);
    expect(r.stderr).toMatch(/^ {2}shard files: (.*\/)?d {2}\(removed during the run\)$/m);
    expect(r.stderr).not.toMatch(/free some space|continue with/i);
  });
});
