/**
 * `shardscan validate`: every file of a shard directory against its schema,
 * then what resume and merge would check. An interrupted directory gets
 * resume's own checks (manifest, checkpoint against the chunk plan, records
 * against the checkpoint); a complete one, that it holds exactly the records
 * its manifest counts, each a position of this shard. Before, validate said
 * "ok" for directories resume refused as damaged, while resume's refusal
 * sent the user to validate.
 */
import { join } from 'node:path';
import { resolveConfig } from '../config/index.js';
import { ShardscanError, errnoCode, messageOf } from '../errors.js';
import { prepareScan } from '../prepare.js';
import { CHECKPOINT } from './outdir.js';
import { type ShardDir, openShardDir, readCheckpoint, readRecords } from './read.js';
import { notOfThisShard, placeOf, planResume } from './resume.js';

/** Resume's words, without sending the reader back here. */
const own = (err: unknown): string => messageOf(err).replace(/ \(shardscan validate says more\)$/, '');

/** Problems found by `shardscan validate`, one line each; `checkpoint`: whether the directory has one. */
export async function validateDir(dir: string): Promise<{ problems: string[]; records: number; checkpoint: boolean }> {
  const problems: string[] = [];
  let records = 0;
  let shard: ShardDir;
  try {
    shard = openShardDir(dir);
  } catch (err) {
    return { problems: [messageOf(err)], records, checkpoint: false };
  }
  let checkpoint = false;
  try {
    const cp = readCheckpoint(dir);
    checkpoint = cp !== null;
    if (cp && cp.scanKey !== shard.manifest.scanKey) problems.push(`${join(dir, CHECKPOINT)}: scanKey ${cp.scanKey} does not match the manifest's ${shard.manifest.scanKey}`);
  } catch (err) {
    problems.push(messageOf(err));
  }
  try {
    for await (const rec of readRecords(shard.recordsPath)) {
      void rec;
      records++;
    }
    if (shard.manifest.status === 'complete' && records !== shard.manifest.recordCount) {
      problems.push(`${shard.recordsPath}: ${records} records, but the manifest says ${shard.manifest.recordCount}`);
    }
  } catch (err) {
    problems.push(errnoCode(err) ? `${shard.recordsPath}: ${errnoCode(err)}` : messageOf(err));
  }
  if (problems.length === 0) {
    const deeper = shard.manifest.status === 'complete' ? await recordsOfThisShard(shard) : await resumeChecks(dir);
    if (deeper !== null) problems.push(deeper);
  }
  return { problems, records, checkpoint };
}

/** What resume would refuse in this interrupted directory, or null. */
async function resumeChecks(dir: string): Promise<string | null> {
  try {
    await planResume(dir, {});
    return null;
  } catch (err) {
    return skippable(err) ? null : own(err);
  }
}

/** A record of a complete shard that is not one of its positions, or null. */
async function recordsOfThisShard(shard: ShardDir): Promise<string | null> {
  try {
    const { config } = resolveConfig({ ...shard.manifest.config }, { tuning: null });
    const prep = await prepareScan(config);
    for await (const r of readRecords(shard.recordsPath)) if (placeOf(prep, r) === null) return `${shard.recordsPath}: ${messageOf(notOfThisShard(r))}`;
    return null;
  } catch (err) {
    return skippable(err) ? null : own(err);
  }
}

/**
 * Checks that need what validate cannot have: a host name in the targets
 * that does not resolve here (validate works offline; resume resolves again
 * where it runs), or a scan still being written (its files are not final).
 */
function skippable(err: unknown): boolean {
  return err instanceof ShardscanError && (err.code === 'E_RESOLVE' || /is still being written by /.test(err.message));
}
