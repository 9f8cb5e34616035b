/**
 * A shard directory's lock (running.lock): which process writes the
 * directory now, since when, and, for a resume, the time it carries. Every
 * run takes one before its first record and removes it when it stops; a
 * killed run's stays, the only word of when it began (status/resume).
 */
import { closeSync, linkSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { readTextCapped } from '../files.js';

/** The file that says which process writes the directory now (see OutDir.lock). */
export const LOCK = 'running.lock';

export interface LockInfo {
  pid: number;
  host: string;
  since: string;
  /** A resume's: its earlier runs' scan time, which the manifest holds only once it probes (resume.ts: ResumeClaim). */
  carriedMs?: number;
}

/**
 * Put `text` in place as the directory's lock, whole: written beside it, then
 * renamed into place, or with `exclusive` linked (link(2) never replaces, so
 * EEXIST says another has it). Created and then written, it was empty for a
 * moment, and a reader then (status, another resume, the project's CI in
 * resume-lock.test.ts) took it for no lock at all. A file system without hard
 * links gets the exclusive create as before.
 */
export function placeLock(dir: string, text: string, exclusive: boolean): void {
  const path = join(dir, LOCK);
  const temp = join(dir, `${LOCK}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    if (!exclusive) return renameSync(temp, path);
    try {
      linkSync(temp, path);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') throw err;
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, text);
      } catch (e) {
        rmSync(path, { force: true }); // created but not written (a full disk): an empty lock would be nobody's
        throw e;
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The directory's lock, or null when there is none (or it cannot be read: a half-written one is no lock). */
export function readLock(dir: string): LockInfo | null {
  try {
    const v = JSON.parse(readTextCapped(join(dir, LOCK), 1 << 16)) as Partial<LockInfo>;
    const carried = typeof v.carriedMs === 'number' && v.carriedMs >= 0 && v.carriedMs < Infinity ? { carriedMs: v.carriedMs } : {};
    return typeof v.pid === 'number' && typeof v.host === 'string' ? { pid: v.pid, host: v.host, since: String(v.since), ...carried } : null;
  } catch {
    return null;
  }
}
