/**
 * A failed write of the shard directory as one line that says what to do
 * (free space, raise ulimit -n, make it writable), or that the directory is
 * gone. Its own module: outdir.ts and resume.ts both report writes with it.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ShardscanError, errnoCode, messageOf } from '../errors.js';

export function ioError(path: string, err: unknown, hint: string, checkpointable = false): ShardscanError {
  const code = errnoCode(err);
  // The directory itself went away (rm -rf, a clean-up job) while the run wrote it: no space to free, nothing there to resume.
  if ((code === 'ENOENT' || code === 'ENOTDIR') && !existsSync(dirname(path))) {
    return new ShardscanError('E_IO', `cannot write ${path}: ${code}: the shard directory was removed or moved while this run wrote it; nothing more can be kept there`, { cause: err });
  }
  const why = code === 'ENOSPC' ? 'ENOSPC, the disk is full' : (code ?? messageOf(err));
  // "Free some space" is the hint for a full disk only; out of descriptors, or without the right to write, it would mislead.
  const instead = code === 'EMFILE' || code === 'ENFILE' ? 'raise the descriptor limit (ulimit -n)' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'make the directory and its files writable (chmod u+w, chattr -i), or copy it somewhere writable' : null;
  // "Run resume again" alone could not help a file that cannot be replaced (chattr +i): say first what to change.
  const again = hint === 'Run resume again.' ? 'Free some space and run resume again.' : hint;
  const fixed = instead === null ? hint : again.replace(/^Free some space|free space/, (m) => (m[0] === 'F' ? instead[0]!.toUpperCase() + instead.slice(1) : instead));
  return new ShardscanError('E_IO', `cannot write ${path}: ${why}. ${fixed}`, { cause: err, checkpointable });
}
