/** Small filesystem helpers shared by the CLI, the shard directory and the tuning file. */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { errnoCode } from './errors.js';

/**
 * mkdir -p, one level at a time. Node 20's recursive mkdirSync spins forever
 * (100 % CPU, found by a test) when the kernel answers ENOENT for a parent that
 * exists, as /proc does; plain mkdir reports that error.
 */
export function makeDirs(dir: string): void {
  const parts = resolve(dir).split(sep).filter(Boolean);
  let path: string = sep;
  for (const part of parts) {
    path = join(path, part);
    if (existsSync(path)) continue;
    try {
      mkdirSync(path);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
}
