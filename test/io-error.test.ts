/**
 * What a shard directory's write failure tells the user to do. A resume that
 * could not put its records file back (an immutable file: chattr +i) said
 * "EPERM. Run resume again.", which could not help.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ioError } from '../src/store/io-error.js';
import { runCli, scratchDir } from './helpers/cli.js';

const err = (code: string): Error => Object.assign(new Error(code), { code });
const WRITABLE = 'Make the directory and its files writable (chmod u+w, chattr -i), or copy it somewhere writable';

describe('ioError', () => {
  it.each(['EPERM', 'EACCES', 'EROFS'])('%s: what to change first, then run resume again', (code) => {
    const dir = scratchDir();
    expect(ioError(join(dir, 'r.ndjson'), err(code), 'Run resume again.').message).toBe(`cannot write ${join(dir, 'r.ndjson')}: ${code}. ${WRITABLE} and run resume again.`);
  });

  it('a full disk and a descriptor limit keep their own words; another error keeps the hint', () => {
    const path = join(scratchDir(), 'r.ndjson');
    expect(ioError(path, err('ENOSPC'), 'Run resume again.').message).toBe(`cannot write ${path}: ENOSPC, the disk is full. Run resume again.`);
    expect(ioError(path, err('EMFILE'), 'Run resume again.').message).toBe(`cannot write ${path}: EMFILE. Raise the descriptor limit (ulimit -n) and run resume again.`);
    expect(ioError(path, err('EIO'), 'Run resume again.').message).toBe(`cannot write ${path}: EIO. Run resume again.`);
    expect(ioError(path, err('EACCES'), 'Pick another --out-dir.').message).toBe(`cannot write ${path}: EACCES. Pick another --out-dir.`);
  });

  it('the CLI: a resume whose records file is immutable says so in one line, exit 1; once it is not, the resume finishes', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-3000', '--rate', '2000', '--max-time', '0.5', '--states', 'all', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const records = join(cwd, 'd', 'shard-1-of-1.ndjson');
    // chattr needs root and a file system with attributes (ext4 here, as in CI); a failure to set it fails the test.
    execFileSync('chattr', ['+i', records]);
    try {
      const r = await runCli(['resume', 'd', '-q', '-o', '/dev/null'], { cwd });
      expect(r.stderr).toBe(`shardscan: error: cannot write d/shard-1-of-1.ndjson: EPERM. ${WRITABLE} and run resume again.\n`);
      expect(r.code).toBe(1);
    } finally {
      execFileSync('chattr', ['-i', records]);
    }
    const again = await runCli(['resume', 'd', '-q', '-o', '/dev/null', '--no-max-time'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect((await runCli(['validate', 'd'], { cwd })).stdout).toMatch(/^d: ok \(manifest, checkpoint, 3000 records\)\n$/);
  });
});
