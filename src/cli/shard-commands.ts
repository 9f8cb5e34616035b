/**
 * The commands on shard directories that scan nothing: merge (one report, or
 * several, from a scan's shards) and validate (every file against its schema
 * and what resume and merge check). Loaded only when one of them runs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ShardscanError, quote } from '../errors.js';
import { flagsToConfig, shownStates } from './options.js';
import { checkEarlier } from './repeated.js';
import type { ScanSummary } from '../model/summary.js';
import { checkDistinctFiles, checkReports, checkSummaryPath, reportFileNames, typedReports } from './report-files.js';
import { EXIT, noteOnce, writeSummaryJson } from './run.js';

export type MergeFlags = { dirs: string[]; format?: string; output?: string; nmapReport?: string | string[]; allowPartial?: boolean; states?: string; open?: boolean; quiet?: boolean; summaryJson?: string };

export async function mergeCommand(argv: MergeFlags, command: string, signal?: AbortSignal): Promise<number> {
  const flags = flagsToConfig({ format: argv.format, output: argv.output, nmapReport: argv.nmapReport });
  // A repeated flag's earlier values, each checked as the last one is (helper 31: merge -f nope -f ndjson ran).
  checkEarlier(argv, (key, value) => void (key === 'states' ? shownStates(argv.open, value as string) : flagsToConfig({ [key]: value })));
  const reports = { format: flags.format ?? 'text', output: flags.output ?? null, extraReports: flags.extraReports ?? [] };
  // A directory of shard directories (every machine's copied into results/) is
  // its shards, as status reads it; merge said "results/manifest.json does not exist".
  const { findShardDirs } = await import('../store/status.js');
  const dirs = argv.dirs.flatMap((d) => {
    const found = findShardDirs(d);
    if (found.length === 0) throw new ShardscanError('E_OPTION', `'${quote(d)}' is not a shard directory and holds none (no manifest.json in it or in its subdirectories)`);
    return found;
  });
  // A report written over one of the shard files it merges would truncate that file before it is read.
  checkSummaryPath(argv.summaryJson);
  checkDistinctFiles({ ...reportFileNames(reports, typedReports(argv.nmapReport)), '--summary-json': argv.summaryJson }, shardFiles(dirs));
  // As for a scan: --open is --states open, and hosts without an open port leave the grep and XML reports too.
  const { states, openHostsOnly } = shownStates(argv.open, argv.states);
  const { interrupted, mergeShards } = await import('../store/merge.js');
  const { StagedReport } = await import('./staged-report.js');
  // Every report checked before any is written, then one pass over the shards per report (-oA: three), staged, and
  // all put in place only when all were written: a second report that failed left the first one replaced.
  checkReports(reports, 0, typedReports(argv.nmapReport));
  const all = [{ format: reports.format, output: reports.output }, ...reports.extraReports].map((r) => ({ ...r, staged: new StagedReport(r.output) }));
  // Files first, stdout last: a failure then leaves nothing half done on stdout either.
  all.sort((a, b) => Number(a.output === null) - Number(b.output === null));
  let leftOut = 0;
  let summary: ScanSummary | null = null;
  const note = noteOnce();
  try {
    for (const r of all) {
      try {
        ({ leftOut, summary } = await mergeShards(dirs, () => r.staged.open(), { format: r.format, allowPartial: Boolean(argv.allowPartial), command, states, openHostsOnly, note, signal, quiet: Boolean(argv.quiet) }));
      } catch (err) {
        if (err instanceof ShardscanError && err.code === 'E_INTERRUPTED') throw err;
        // A write that failed ends the writer with that error: say it as a write failure (finish), or stop quietly for | head.
        if (r.staged.failure === null) throw err;
      }
      await r.staged.finish();
    }
    // A Ctrl+C while the last report was flushed: still nothing is put in place.
    if (signal?.aborted) throw interrupted();
  } catch (err) {
    for (const r of all) r.staged.abandon();
    if (err instanceof ShardscanError && err.code === 'E_INTERRUPTED') {
      const files = all.some((r) => r.output !== null) ? 'no report file was written, and an existing one is as it was' : null;
      const stdout = all.some((r) => r.output === null) ? 'the report on stdout ends where it stopped' : null;
      process.stderr.write(`shardscan: ${err.message}: ${[files, stdout].filter(Boolean).join('; ')}\n`);
      return EXIT.interrupted;
    }
    // The others were fine and are not written either: the line named only the one that failed.
    if (all.length > 1 && err instanceof ShardscanError) throw new ShardscanError(err.code, `${err.message}; no report was written: merge puts its ${all.length} reports in place together or not at all`, { cause: err });
    throw err;
  }
  for (const r of all) r.staged.place();
  // The merged summary, as a scan's --summary-json gives it (a Job's merge step had none to read but -f json's).
  if (argv.summaryJson !== undefined && summary !== null) {
    const failure = writeSummaryJson(argv.summaryJson, summary, null);
    if (failure) throw failure;
  }
  if (leftOut > 0 && !argv.quiet) process.stderr.write(`shardscan: ${leftOut} records past the last checkpoint of an unfinished shard were left out, as its counts leave them out (resume probes them again)\n`);
  // The reader of the only report, stdout, left (| head): quiet, and 141, as a scan's (run.ts EXIT.pipe); with a file
  // report beside it, that file is whole and the merge done: 0, as a scan's.
  return all.every((r) => r.staged.readerGone) ? EXIT.pipe : EXIT.ok;
}

/** The files of shard directories, named for checkDistinctFiles; none for one that cannot be listed (merge or resume then says why). */
export function shardFiles(dirs: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // not a directory, or unreadable: the command's own checks say so
    }
    for (const f of names) files[`'${quote(join(dir, f))}'`] = join(dir, f);
  }
  return files;
}

export async function validateCommand(argv: { dirs: string[] }): Promise<number> {
  // An empty name is an error, never "none" (nor the current directory, which it read).
  if (argv.dirs.includes('')) throw new ShardscanError('E_OPTION', "validate '': an empty directory name; name the shard directories, e.g. shardscan validate scan-1 scan-2");
  const { findShardDirs } = await import('../store/status.js');
  const { validateDir } = await import('../store/validate.js');
  // A directory of shard directories (a Job's /results) is its shards, as for status and merge.
  const shardsIn = (d: string): string[] => {
    try {
      const found = findShardDirs(d);
      return found.length > 0 ? found : [d];
    } catch {
      return [d]; // validateDir says what is wrong with it
    }
  };
  let bad = 0;
  for (const dir of argv.dirs.flatMap(shardsIn)) {
    const { problems, records, checkpoint, notes } = await validateDir(dir);
    if (problems.length === 0) {
      process.stdout.write(`${dir}: ok (manifest, ${checkpoint ? 'checkpoint' : 'no checkpoint'}, ${records} record${records === 1 ? '' : 's'})${notes.map((n) => `; ${n}`).join('')}\n`);
    } else {
      bad++;
      // Named once: some problems name the directory themselves.
      for (const p of problems) process.stdout.write(`${dir}: ${p.startsWith(`${dir}: `) ? p.slice(dir.length + 2) : p}\n`);
    }
  }
  return bad === 0 ? EXIT.ok : EXIT.runtime;
}
