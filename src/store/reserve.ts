/**
 * Room kept on the disk while a run writes its shard directory (space.reserve), given back when the disk fills:
 * the last checkpoint and the manifest then still fit. Without it, a run stopped by ENOSPC kept the checkpoint of
 * up to a second before, and a resume probed again what the records file already held (an audit: 7,002 of
 * 14,290). It holds an inode as well as bytes: a file system out of inodes gets one back the same way.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RESERVE = 'space.reserve';
const RESERVE_BYTES = 64 << 10;

/** Keep RESERVE_BYTES in `dir`; a disk too full even for that: the run goes on without. */
export function reserveSpace(dir: string): void {
  try {
    writeFileSync(join(dir, RESERVE), Buffer.alloc(RESERVE_BYTES));
  } catch {
    rmSync(join(dir, RESERVE), { force: true });
  }
}

/** Give the room back. */
export function unreserveSpace(dir: string): void {
  try {
    rmSync(join(dir, RESERVE), { force: true });
  } catch {
    // The directory went away: nothing is kept there.
  }
}
