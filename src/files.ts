/** Small filesystem helpers shared by the CLI, the shard directory and the tuning file. */
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { errnoCode } from './errors.js';

/**
 * mkdir -p, one level at a time. Node 20's recursive mkdirSync spins forever
 * (100 % CPU, found by a test) when the kernel answers ENOENT for a parent that
 * exists, as /proc does; plain mkdir reports that error. A part that exists
 * but is not a directory (a file, /dev/null) fails here with ENOTDIR, not
 * later at the first file written under it.
 */
export function makeDirs(dir: string): void {
  const parts = resolve(dir).split(sep).filter(Boolean);
  let path: string = sep;
  for (const part of parts) {
    path = join(path, part);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) continue;
    if (st !== undefined) throw Object.assign(new Error(`ENOTDIR: not a directory, '${path}'`), { code: 'ENOTDIR' });
    try {
      mkdirSync(path);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
}
