/**
 * `resume DIR` of a directory that is complete: nothing to probe. It is
 * checked as merge checks it (a damaged one was "already complete" with exit
 * 0, so a script that resumes until done never heard of it), its
 * --summary-json is written (an old one left in place would say
 * "interrupted" for ever), and the reports it names are written, whole, as
 * merge writes them: `resume DIR -oX r.xml` exited 0 with no r.xml and a
 * merge command to run instead, and did not refuse a path that is one of the
 * directory's own files (helper 25).
 */
import { ShardscanError } from '../errors.js';
import { EXIT, writeSummaryJson } from './run.js';
import { mergeCommand, shardFiles } from './shard-commands.js';
import { checkDistinctFiles, checkSummaryPath } from './report-files.js';

export interface CompleteResumeFlags {
  format?: string | undefined;
  output?: string | undefined;
  nmapReport?: string | string[] | undefined;
  quiet?: boolean | undefined;
  summaryJson?: string | undefined;
}

/** The exit status; `stoppedEarly` for a Ctrl+C during the check. */
export async function resumeComplete(dir: string, argv: CompleteResumeFlags, command: string, signal: AbortSignal, stoppedEarly: () => number): Promise<number> {
  const { problems } = await (await import('../store/validate.js')).validateDir(dir, signal).catch((err: unknown) => {
    if (err instanceof ShardscanError && err.code === 'E_INTERRUPTED') return { problems: null };
    throw err;
  });
  if (problems === null) return stoppedEarly();
  if (problems.length > 0) throw new ShardscanError('E_RESUME', `${dir} is complete but damaged: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}; shardscan validate ${dir} lists them`);
  const reports = argv.output !== undefined || argv.nmapReport !== undefined || argv.format !== undefined;
  const [{ openShardDir }, { manifestSummary }] = await Promise.all([import('../store/read.js'), import('../store/merge.js')]);
  const { manifest } = openShardDir(dir);
  // Neither the summary nor a report over one of the directory's own files (helper 28: --summary-json DIR/manifest.json
  // wrote over it, exit 0, and validate, merge and status refused the directory after).
  checkSummaryPath(argv.summaryJson);
  checkDistinctFiles({ '--summary-json': argv.summaryJson }, shardFiles([dir]));
  process.stderr.write(`shardscan: ${dir} is already complete; nothing to resume${reports ? '; writing the reports named, as merge does' : ''}\n`);
  // Merge checks every report path and writes --summary-json too: -o in the scan's format unless -f says otherwise, as
  // a resume with work left writes it; one shard of several alone, as its own run wrote it (merge said a shard was
  // missing, exit 2: helper 28).
  if (reports) {
    const flags = { dirs: [dir], format: argv.format ?? (argv.output !== undefined ? manifest.config.format : undefined), output: argv.output, nmapReport: argv.nmapReport, quiet: true, summaryJson: argv.summaryJson, allowPartial: manifest.shard.total > 1 };
    return mergeCommand(flags, command, signal);
  }
  if (argv.summaryJson !== undefined) {
    const failure = writeSummaryJson(argv.summaryJson, manifestSummary(manifest), dir);
    if (failure) throw failure;
  }
  return EXIT.ok;
}
