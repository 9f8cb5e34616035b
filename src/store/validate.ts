/**
 * `shardscan validate`: every file of a shard directory against its schema,
 * then what resume and merge would check. An interrupted directory gets
 * resume's own checks (manifest, checkpoint against the chunk plan, records
 * against the checkpoint); a complete one, that it holds exactly the records
 * its manifest counts, each a position of this shard. Before, validate said
 * "ok" for directories resume refused as damaged, while resume's refusal
 * sent the user to validate.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { resolveConfig } from '../config/index.js';
import { ShardscanError, errnoCode, messageOf } from '../errors.js';
import { type PreparedScan, prepareScan } from '../prepare.js';
import { totalOf } from '../model/states.js';
import { CHECKPOINT, rewriteName } from './outdir.js';
import { type ShardDir, endsMidLine, openShardDir, readCheckpoint, readRecords } from './read.js';
import { checkResumable, notOfThisShard } from './resume.js';
import { CompleteShardCheck, checkManifest, twiceText } from './consistency.js';
import { liveWriter } from './status.js';

/** Resume's words, without sending the reader back here. */
const own = (err: unknown): string => messageOf(err).replace(/ \(shardscan validate says more\)$/, '');

/**
 * Problems found by `shardscan validate`, one line each; `checkpoint`: whether the directory has one;
 * `notes`: what an ok directory's line should add (a run still writing it, a resume's leftover).
 */
export async function validateDir(dir: string, signal?: AbortSignal): Promise<{ problems: string[]; records: number; checkpoint: boolean; notes: string[] }> {
  const problems: string[] = [];
  let records = 0;
  let shard: ShardDir;
  try {
    shard = openShardDir(dir);
  } catch (err) {
    return { problems: [messageOf(err)], records, checkpoint: false, notes: [] };
  }
  let checkpoint = false;
  const notes: string[] = [];
  try {
    const cp = readCheckpoint(dir);
    checkpoint = cp !== null;
    if (cp && cp.scanKey !== shard.manifest.scanKey) problems.push(`${join(dir, CHECKPOINT)}: scanKey ${cp.scanKey} does not match the manifest's ${shard.manifest.scanKey}`);
    // A run that stopped (not killed) wrote a last checkpoint covering everything it decided: with positions decided
    // and none, the file is lost, and a resume keeps nothing (validate said a bare "ok"). Resume takes such a directory
    // (it probes everything again, and the result is exact), so this is a note, not a problem: it was exit 1 for a
    // directory resume accepts, where validate reports what resume would refuse.
    const m = shard.manifest;
    const decided = totalOf(m.counts);
    if (cp === null && m.status !== 'complete' && m.endedAt !== null && decided > 0) {
      notes.push(`${CHECKPOINT} is missing, though the run stopped with ${decided} positions decided: a resume keeps none of them and probes them all again`);
    }
  } catch (err) {
    problems.push(messageOf(err));
  }
  const complete = shard.manifest.status === 'complete';
  // A complete shard's records are placed in its walk as they are counted: one pass over the file.
  const scan = complete ? await prepared(shard) : null;
  if (typeof scan === 'string') problems.push(scan);
  const prep = typeof scan === 'string' ? null : scan;
  let stray: string | null = null;
  // A complete shard: its manifest's own figures, each record once, and the records' states as counted.
  const m = shard.manifest;
  const check = prep === null ? null : new CompleteShardCheck(dir, m, prep);
  if (check !== null) {
    try {
      checkManifest(dir, m, 'E_MERGE');
      check.figures();
    } catch (err) {
      problems.push(own(err));
    }
  }
  try {
    for await (const r of readRecords(shard.recordsPath, shard.manifest.config.banners === true)) {
      records++;
      // A resume that checks a complete directory reads it all: Ctrl+C ends that at once, as it ends a merge.
      if (records % 1000 === 0 && signal?.aborted) throw new ShardscanError('E_INTERRUPTED', `checking ${dir} interrupted`);
      const wrong = check?.add(r) ?? null;
      if (wrong === null || stray !== null) continue;
      stray = wrong === 'stray' ? `${shard.recordsPath}: ${messageOf(notOfThisShard(r))}` : twiceText(shard.recordsPath, records, r);
    }
    if (complete && records !== m.recordCount) {
      problems.push(`${shard.recordsPath}: ${records} records, but the manifest says ${m.recordCount}`);
    }
    // readRecords skips a last line without its newline, as a killed run's half-written one; a complete run ends with a whole line.
    if (complete && endsMidLine(shard.recordsPath)) {
      problems.push(`${shard.recordsPath}: ends in the middle of a line after its last record; a complete shard's file ends with a whole line, so it was cut or added to since`);
    }
  } catch (err) {
    if (err instanceof ShardscanError && err.code === 'E_INTERRUPTED') throw err;
    problems.push(errnoCode(err) ? `${shard.recordsPath}: ${errnoCode(err)}` : messageOf(err));
  }
  if (problems.length === 0 && stray !== null) problems.push(stray);
  if (problems.length === 0 && check !== null) {
    try {
      check.end();
    } catch (err) {
      problems.push(own(err));
    }
  }
  if (problems.length === 0 && !complete) {
    const refused = await resumeChecks(dir);
    if (refused !== null) problems.push(refused);
  }
  // A killed run's lock with a damaged checkpoint or no records file: its status cannot be read, so no run writes it
  // (that damage is in the problems above). It threw: validate stopped there with exit 2, the other directories unchecked.
  let writer: string | null = null;
  try {
    writer = liveWriter(dir);
  } catch {
    writer = null;
  }
  // Its files move while it runs: what was read is a moment of them, and resume's checks wait for the run to stop.
  if (writer !== null) notes.push(`still being written by ${writer}: checked as it stood, without resume's checks`);
  else if (existsSync(rewriteName(shard.recordsPath))) notes.push(`${basename(rewriteName(shard.recordsPath))} is left from a resume that was cut off; the next resume replaces it`);
  return { problems, records, checkpoint, notes };
}

/**
 * What resume would refuse in this interrupted directory, or null. Not
 * judged while a run still writes it (its files are not final), nor for a
 * host name that does not resolve here (validate works offline; resume
 * resolves again where it runs).
 */
async function resumeChecks(dir: string): Promise<string | null> {
  if (liveWriter(dir) !== null) return null;
  try {
    await checkResumable(dir);
    return null;
  } catch (err) {
    return unresolved(err) ? null : own(err);
  }
}

/** The complete shard's scan made concrete, to place its records (validate, merge); null when a host name does not resolve here; a problem line when its config is refused. */
export async function prepared(shard: ShardDir): Promise<PreparedScan | string | null> {
  try {
    // Nothing is scanned: the descriptor limit is not judged (ulimit -n 100 refused a 10-port shard "for 2 workers").
    const { config } = resolveConfig({ ...shard.manifest.config }, { tuning: null, fdLimit: Number.POSITIVE_INFINITY });
    return await prepareScan(config);
  } catch (err) {
    return unresolved(err) ? null : own(err);
  }
}

const unresolved = (err: unknown): boolean => err instanceof ShardscanError && err.code === 'E_RESOLVE';
