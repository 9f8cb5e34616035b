/**
 * shardscan command line (loaded by start.ts once the worker pool is booting).
 * Exit status: 0 done, 1 runtime failure, 2 usage error, 130 interrupted, 141 the reader of stdout left (| head).
 * Errors are one line on stderr, never a stack trace.
 */
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import yargs, { type Argv } from 'yargs';
import { type ScanConfig, resolveConfig } from '../config/index.js';
import { ShardscanError, messageOf, plural, quote } from '../errors.js';
import { packageVersion } from '../paths.js';
import { totalOf } from '../model/states.js';
import { resolveAndPrepare, setupNotes } from '../prepare.js';
import { stoppable, systemResolver } from '../targets/resolve.js';
import { type EarlySignals, installSignals } from './signals.js';

// start.ts reads these through this module: imported apart, the bundle split them into a chunk of their own (one more file at every start).
export { endIfLookupsHang, stoppedBy } from './signals.js';
import { blockedNote, blocklistHelp } from '../targets/blocklist.js';
import { OutDir, makeScanId, ownFileNames } from '../store/outdir.js';
import { type ScanFlags, flagsToConfig, lastValueWins, noFalseValues, normalizeArgv } from './options.js';
import { checkEarlier } from './repeated.js';
import { argvRefusal, foreignRefusal, internalRefusal, listClash, reportClash, unknownMessage } from './refusals.js';
import { inConfigWords } from './config-origin.js';
import { COMMANDS, fileOptionsApart } from './spellings.js';
import { EXIT, defaultOutDir, runScan, writeSummaryJson } from './run.js';
import { type MergeFlags, mergeCommand, validateCommand } from './shard-commands.js';
import { checkDistinctFiles, checkReports, checkSummaryPath, openReports, reportFileNames, typedReports } from './report-files.js';
import type { StatusFlags } from './status.js';
import type { MetricsServer } from './metrics.js';
import { clearActiveBar } from './progress.js';

// What only some commands need is loaded when they run: every module loaded
// at start delays the first probe (prom-client alone costs ~30 ms).

/** Run `fn` with a metrics server when --metrics asks for one. */
async function withMetrics<T>(value: string | undefined, quiet: boolean, fn: (server: MetricsServer | null) => Promise<T>): Promise<T> {
  if (value === undefined) return fn(null);
  return (await import('./metrics.js')).withMetrics(value, quiet, fn);
}

/** A --metrics value that is not an address is refused first, as any bad flag is (the server starts later). */
async function checkMetricsAddress(value: string | undefined): Promise<void> {
  if (value !== undefined) (await import('./metrics.js')).parseMetricsAddress(value);
}

/**
 * status and validate print to stdout as they go: a reader that went away
 * (| head) ends them quietly with EXIT.pipe, a failed write (/dev/full) is one line and exit
 * 1; both were an unhandled 'error' event and a stack trace. (A scan handles
 * its report stream itself, in run.ts.)
 */
function guardStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.pipe);
    process.stderr.write(`shardscan: error: cannot write to stdout: ${err.code ?? err.message}\n`);
    process.exit(EXIT.runtime);
  });
}

/** nmap's spellings, for --help (the README has the whole story). */
const NMAP_HELP = `nmap spellings work where they mean the same: -iL FILE, -oN/-oX/-oG FILE, -sV, -F, -r, --open,
-4/-6 (--family), --max-rate, --max-retries, --max-parallelism, --excludefile; -sT -Pn -n -v -T3..5
--reason are taken and ignored (connect scans, no ping, adaptive timing are how shardscan always works).`;

/** Set by main(): the built-in blocklist is listed in --help (parsing it for every scan would be waste). */
let helpWanted = false;

function scanOptions(y: Argv): Argv<CliFlags> {
  return y
    .positional('targets', { describe: 'hosts: 127.0.0.1, 127.0.0.0/24, 127.0.0.1-127.0.0.9, 127.0.1-3.1-10, ::1, localhost', type: 'string', array: true })
    .option('ports', { alias: 'p', type: 'string', describe: 'ports: 22,80,1000-2000, service names (ssh,http*); -p- for all 65535 (default: the top 1000)', group: 'Targets:' })
    .option('top-ports', { type: 'string', describe: 'the N most common TCP ports (built-in ranked list)', group: 'Targets:' })
    .option('exclude-ports', { type: 'string', describe: 'ports to leave out', group: 'Targets:' })
    .option('input-file', { type: 'string', describe: 'read targets from a file, one or more per line, # comments (nmap: -iL)', group: 'Targets:' })
    .option('exclude', { type: 'string', describe: 'targets to leave out (same forms, comma separated)', group: 'Targets:' })
    .option('exclude-file', { type: 'string', describe: 'file of targets to leave out', group: 'Targets:' })
    .option('blocklist', { type: 'string', describe: 'never scan the ranges in FILE (CIDR<TAB>name<TAB>reference per line) instead of the built-in list below; --no-blocklist for none', group: 'Targets:' })
    .option('yes', { alias: 'y', type: 'boolean', describe: 'confirm a scan of more than 16,777,216 addresses outside loopback, or of 0.0.0.0/0', group: 'Targets:' })
    .option('timeout', { type: 'string', describe: 'ceiling of every per-attempt timeout, ms or 2s (default 3000); the timeout itself adapts to each host', group: 'Timing:' })
    .option('initial-rtt-timeout', { type: 'string', describe: 'timeout of a host before its round trip is measured (default 1000 ms; a bare number is seconds, as in nmap)', group: 'Timing:' })
    .option('min-rtt-timeout', { type: 'string', describe: 'lowest adaptive timeout (default 100 ms; bare number: seconds)', group: 'Timing:' })
    .option('max-rtt-timeout', { type: 'string', describe: 'highest adaptive timeout (default: --timeout; bare number: seconds)', group: 'Timing:' })
    .option('host-timeout', { type: 'string', describe: 'give up on a host this long after its first probe, e.g. 30m (bare number: seconds; default and 0: never)', group: 'Timing:' })
    .option('retries', { type: 'string', describe: 'most retries after a timeout (default 10, as nmap); sent only to hosts that answer, as often as retries help; behind a rate limiter, tries the opening flood lost are not counted (up to N)', group: 'Timing:' })
    .option('concurrency', { alias: 'c', type: 'string', describe: 'most connects in flight across all workers (default 16384, capped by ulimit -n); narrowed when probes get lost', group: 'Timing:' })
    .option('banners', { type: 'boolean', describe: 'read open ports to tell service, product, version and TLS certificate names (nmap: -sV)', group: 'Service detection:' })
    .option('banner-timeout', { type: 'string', describe: 'the whole budget for reading one open port (ms or 3s: a bare number is milliseconds; default 3s)', group: 'Service detection:' })
    .option('banner-concurrency', { type: 'string', describe: 'open ports read at once, all workers together (default 256)', group: 'Service detection:' })
    .option('workers', { alias: 'w', type: 'string', describe: 'worker threads (default: number of cores)', group: 'Timing:' })
    .option('rate', { type: 'string', describe: 'at most N probes per second, all workers together', group: 'Timing:' })
    .option('host-rate', { type: 'string', describe: 'at most N probes per second to any one host', group: 'Timing:' })
    .option('max-time', { type: 'string', describe: 'stop after this many seconds, or a time with a unit: 500ms, 5m (resumable; --no-max-time: none)', group: 'Timing:' })
    .option('seed', { type: 'string', describe: 'seed of the random order (default: random, printed in the summary)', group: 'Order and shards:' })
    .option('order', { type: 'string', describe: 'random (default) or serial', group: 'Order and shards:' })
    .option('shard', { type: 'string', describe: 'scan only shard x of y (1-based, e.g. 2/4); needs --seed in random order (the default)', group: 'Order and shards:' })
    .option('chunk-size', { type: 'string', describe: 'positions per work unit (default: automatic)', group: 'Order and shards:' })
    .option('format', { alias: 'f', type: 'string', describe: 'text, json, ndjson, csv, grep or xml (nmap -oX) (default text)', group: 'Output:' })
    .option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of stdout; more reports of the scan: -oN, -oX, -oG, -oJ FILE (text, xml, grep, json: our document, not the array masscan writes), -oA BASE (BASE.nmap, .xml, .gnmap)', group: 'Output:' })
    .option('nmap-report', { type: 'string', hidden: true })
    .option('states', { type: 'string', describe: 'which states to report: open (default), open,filtered, all', group: 'Output:' })
    .option('family', { type: 'string', describe: 'scan only IPv4 (4) or IPv6 (6): names resolve to it, targets of the other family are refused (nmap -4, -6)', group: 'Targets:' })
    .option('open', { type: 'boolean', describe: 'as nmap --open: open ports only, and the grep and xml reports leave out hosts with none (masscan: --open-only)', group: 'Output:' })
    .option('out-dir', { type: 'string', describe: 'shard directory: manifest, records, checkpoint (default: <state dir>/<scan-id>, see shardscan status; --no-out-dir for none)', group: 'Output:' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no progress, notes or summary unless something went wrong', group: 'Output:' })
    .option('summary-json', { type: 'string', describe: 'also write the summary, with CPU time and peak RSS, as JSON to FILE', group: 'Output:' })
    .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://HOST:PORT/metrics while the scan runs (a PORT alone: on 127.0.0.1; 0: any free port, printed)', group: 'Output:' })
    .option('source-address', { alias: 'S', type: 'string', describe: 'bind every connect to this local address (nmap -S, masscan --adapter-ip)', group: 'Advanced:' })
    .option('engine', { type: 'string', describe: 'probe implementation: handle (libuv TCP handles, default) or socket (net.Socket)', group: 'Advanced:' })
    .option('config', { type: 'string', describe: 'JSON config file (schemas/config.schema.json; - for stdin); flags override it', group: 'Advanced:' })
    .epilogue(helpWanted ? `${NMAP_HELP}\n\n${blocklistHelp()}` : '') as unknown as Argv<CliFlags>;
}

type CliFlags = ScanFlags & { quiet?: boolean; summaryJson?: string; metrics?: string };

/** resolveConfig only to check values (an earlier value of a repeated flag): no descriptor limit, no saved tuning read. */
const CHECK_ONLY = { fdLimit: Number.POSITIVE_INFINITY, tuning: null } as const;

async function scanCommand(flags: CliFlags, command: string, signal: AbortController, pool: Piscina | null, fault: string | null): Promise<number> {
  await checkMetricsAddress(flags.metrics);
  // What follows "--" is targets, as in nmap ("-p 22 -- 127.0.0.1"): yargs puts it in _, which nothing read.
  const afterDashes = ((flags as { _?: unknown[] })._ ?? []).map(String);
  const given = flagsToConfig(afterDashes.length > 0 ? { ...flags, targets: [...(flags.targets ?? []), ...afterDashes] } : flags);
  // Each earlier value of a repeated flag, checked in place of the last, with everything else as given (a config file's seed
  // too: helper 31); lists and files are not read again (repeated.ts).
  checkEarlier(flags, (key, value) => void resolveConfig({ ...given, ...flagsToConfig({ [key]: value }) }, CHECK_ONLY));
  // Worker threads even for a small scan (runScan's chooseRunner), -w's or a config file's (helper 18: {"workers": 2} ran none).
  const threadsAsked = given.workers !== undefined || Boolean(fault);
  // A Ctrl+C while names resolve ends the command then, not when a hung resolver gives up.
  const resolved = await resolveAndPrepare(given, threadsAsked, {}, stoppable(systemResolver, signal.signal)).catch((err: unknown) => {
    if (err instanceof ShardscanError && err.code === 'E_INTERRUPTED') return null;
    throw err;
  });
  if (resolved === null || signal.signal.aborted) {
    // Said, not left to a bare "stopping…": no report and no shard directory is written, because nothing was probed.
    process.stderr.write('shardscan: interrupted before the first probe: nothing was scanned, nothing written\n');
    return EXIT.interrupted;
  }
  const { prep, result: { config, notes, defaultWindow } } = resolved;
  const startedAt = new Date();
  const scanId = makeScanId(startedAt, config.seed, config.shard);
  const outPath = flags.outDir === false ? null : (config.outDir ?? defaultOutDir(scanId));
  checkSummaryPath(flags.summaryJson);
  const typed = typedReports(flags.nmapReport);
  checkDistinctFiles(
    {
      ...reportFileNames(config, typed),
      '--summary-json': flags.summaryJson,
      ...Object.fromEntries(outPath === null ? [] : ownFileNames(config.shard).map((f) => [`the shard directory's ${f}`, join(outPath, f)])),
      // A report named as the shard directory itself (-oA ok --out-dir ok.xml): one of the two would be made, the other refused.
      ...(outPath === null ? {} : { '--out-dir': outPath }),
    },
    {
      'the --input-file': config.inputFile,
      'the --exclude-file': config.excludeFile,
      'the --config file': flags.config,
      'the --blocklist': typeof config.blocklist === 'string' ? config.blocklist : null,
    },
  );
  checkReports(config, prep.plan.positions, typed);
  if (outPath !== null) OutDir.refuseTaken(outPath, config.outDir !== null);
  // Served once the rest is checked (bad input is its one line), and before anything is written: an address
  // that cannot be served is refused before there is a half-made shard directory.
  return withMetrics(flags.metrics, Boolean(flags.quiet), (metrics) => {
    const outDir = outPath === null ? null : OutDir.create(outPath, { ...prep, config: { ...prep.config, outDir: outPath } }, scanId, startedAt, config.outDir !== null, defaultWindow);
    // Opened (and so emptied) only now, when nothing can refuse the command any more.
    const { out, extras } = openReports(config, typed);
    const scanned = metrics?.scannedNote(prep.targets, prep.ports) ?? null;
    const allNotes = [...setupNotes(prep, notes), ...(scanned === null ? [] : [scanned])];
    return runScan({ prep, out, extras, notes: allNotes, quiet: Boolean(flags.quiet), command, outDir, signal: signal.signal, startedAt, pool, summaryJson: flags.summaryJson, fault, threadsAsked, metrics });
  });
}

interface ResumeFlags {
  /** Absent: the latest interrupted scan in the state directory. */
  dir?: string;
  workers?: string;
  concurrency?: string;
  rate?: string;
  hostRate?: string;
  maxTime?: string | false;
  format?: string;
  output?: string;
  nmapReport?: string | string[];
  /** Another machine's address for a scan moved there; false (--no-source-address): the kernel picks. */
  sourceAddress?: string | false;
  quiet?: boolean;
  summaryJson?: string;
  metrics?: string;
}

async function resumeCommand(argv: ResumeFlags, command: string, signal: AbortController, pool: Piscina | null, fault: string | null): Promise<number> {
  // Only what does not change the scan's results may differ from the first run.
  const o = flagsToConfig({ workers: argv.workers, concurrency: argv.concurrency, rate: argv.rate, hostRate: argv.hostRate, maxTime: argv.maxTime, format: argv.format, output: argv.output, nmapReport: argv.nmapReport, sourceAddress: argv.sourceAddress });
  // A repeated flag's earlier values, each checked as the last one is above (helper 31: resume DIR --rate=-1 --rate 500 ran).
  checkEarlier(argv, (key, value) => void resolveConfig(flagsToConfig({ [key]: value }), CHECK_ONLY));
  await checkMetricsAddress(argv.metrics);
  // An empty name is an error, never "none" (nor the current directory, which it read).
  if (argv.dir === '') throw new ShardscanError('E_OPTION', "resume '': an empty directory name; name a shard directory, or give none for the latest interrupted scan");
  const dir = argv.dir ?? (await import('./status.js')).pickResumeDir();
  return resumeWith(dir, argv, o, command, signal, pool, fault);
}

async function resumeWith(dir: string, argv: ResumeFlags, o: ReturnType<typeof flagsToConfig>, command: string, signal: AbortController, pool: Piscina | null, fault: string | null): Promise<number> {
  const { planResume } = await import('../store/resume.js');
  const stoppedEarly = (): number => {
    process.stderr.write(`shardscan: interrupted before the first probe: nothing was resumed, and ${dir} is as it was\n`);
    return EXIT.interrupted;
  };
  let plan: Awaited<ReturnType<typeof planResume>>;
  try {
    const overrides = { workers: o.workers, concurrency: o.concurrency, rate: o.rate, hostRate: o.hostRate, maxTimeSec: o.maxTimeSec, format: o.format, output: o.output, extraReports: o.extraReports, sourceAddress: o.sourceAddress };
    plan = await planResume(dir, overrides, stoppable(systemResolver, signal.signal), signal.signal);
  } catch (err) {
    if (err instanceof ShardscanError && err.code === 'E_INTERRUPTED') return stoppedEarly();
    throw err;
  }
  if (plan === null) return (await import('./resume-complete.js')).resumeComplete(dir, argv, command, signal.signal, stoppedEarly);
  // The plan holds the directory (its lock, the kept records beside the file): a refusal from here on gives it back.
  let opened: { config: ScanConfig; notes: string[]; outDir: OutDir } | null;
  let metrics: MetricsServer | null = null;
  try {
    const { config, notes } = plan.resolve(argv.workers !== undefined || Boolean(fault));
    checkSummaryPath(argv.summaryJson);
    // The directory's own files, not every file in it: a report the first run wrote inside it (-o d/report.txt) is rewritten, as that run would have.
    const own = ownFileNames(config.shard).map((f) => [`'${quote(join(dir, f))}'`, join(dir, f)]);
    const inputs = { 'the --input-file': config.inputFile, 'the --exclude-file': config.excludeFile, 'the --blocklist': typeof config.blocklist === 'string' ? config.blocklist : null };
    checkDistinctFiles({ ...reportFileNames(config, typedReports(argv.nmapReport)), '--summary-json': argv.summaryJson }, { ...Object.fromEntries(own), ...inputs });
    checkReports(config, plan.prep.plan.positions, typedReports(argv.nmapReport));
    // Served once the rest is checked, before the directory is rewritten: EADDRINUSE gives the directory back as it was.
    metrics = argv.metrics === undefined ? null : await (await import('./metrics.js')).serveMetrics(argv.metrics, Boolean(argv.quiet));
    // Only now, when nothing can refuse any more, is the directory rewritten and are the reports opened.
    opened = signal.signal.aborted ? null : { config, notes, outDir: plan.reopen() };
  } catch (err) {
    plan.release();
    await metrics?.close();
    throw err;
  }
  if (opened === null) {
    plan.release();
    await metrics?.close();
    return stoppedEarly();
  }
  try {
    const { config, notes, outDir } = opened;
    const { out, extras } = openReports(config, typedReports(argv.nmapReport));
    // Positions, not records: with --states open, "0 records kept" hid 5,986 positions already decided.
    const decided = totalOf(plan.checkpoint.counts);
    // Without a checkpoint nothing is decided, and "past the last checkpoint" named one that was not there.
    const redone = plan.checkpointFound ? `${decided} of ${plan.prep.plan.positions} positions already decided (${plural(plan.kept, 'record')} kept); ${plural(plan.dropped, 'record')} past the last checkpoint` : `no checkpoint.json, so none of ${plan.prep.plan.positions} positions is kept as decided; the ${plural(plan.dropped, 'record')} in the file`;
    if (!argv.quiet) process.stderr.write(`shardscan: resuming ${dir}: ${redone} will be probed again\n`);
    return await runScan({
      prep: { ...plan.prep, config: { ...plan.prep.config, workers: config.workers, concurrency: config.concurrency } },
      out,
      extras,
      notes: [...notes, ...[blockedNote(plan.prep.blocked)].filter((n): n is string => n !== null)],
      quiet: Boolean(argv.quiet),
      command,
      outDir,
      replay: plan.kept > 0 ? plan.replay : undefined,
      resume: plan.checkpoint,
      // --max-time counts from when the targets are ready, as a new scan's does (a long -iL list's parse is in neither:
      // counted here, each slice of a 400k-line list's resume probed 5 % of what the first did, helper 21); reading the
      // records back is in it, part of the time a slot allows.
      timeFrom: plan.preparedAt,
      signal: signal.signal,
      startedAt: plan.startedAt,
      pool,
      summaryJson: argv.summaryJson,
      fault,
      threadsAsked: argv.workers !== undefined || Boolean(fault),
      metrics,
    });
  } finally {
    await metrics?.close();
  }
}

/**
 * Run the command line. `pool` is a worker pool start.ts started before this
 * module loaded (or null); runScan reuses it when its size fits, and this
 * function destroys it in every other case.
 */
export async function main(rawArgv: readonly string[], pool: Piscina | null, fault: string | null = null, earlySignals: EarlySignals | null = null): Promise<number> {
  const given = fileOptionsApart(rawArgv);
  const argv = normalizeArgv(given);
  const refusal = internalRefusal(given) ?? foreignRefusal(given) ?? argvRefusal(argv) ?? reportClash(given) ?? listClash(argv);
  if (refusal !== null) {
    process.stderr.write(`shardscan: error: ${refusal}\n`);
    return EXIT.usage;
  }
  helpWanted = argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
  // Help and version that could not be written (a full disk) exited 0.
  if (helpWanted || argv.includes('--version') || argv.includes('-V')) guardStdout();
  const command = ['shardscan', ...rawArgv].join(' ');
  const signal = installSignals(earlySignals);
  let status: number = EXIT.ok;
  const run = (p: Promise<number>): Promise<void> => p.then((s) => void (status = s));
  // The early pool goes to the first scan that asks for it; runScan owns it from then on.
  let early = pool;
  const take = (): Piscina | null => {
    const p = early;
    early = null;
    return p;
  };
  const parser = yargs(argv)
    .scriptName('shardscan')
    .usage('$0 [targets..] [options]\n\nTCP connect port scanner: fast, randomized, sharded and resumable.')
    .command(['$0 [targets..]'], 'scan targets × ports', scanOptions, (a) => run(scanCommand(a as CliFlags, command, signal, take(), fault).catch((err: unknown) => Promise.reject(inConfigWords(err)))))
    .command(
      'resume [dir]',
      'continue an interrupted scan from its shard directory (default: the latest interrupted one in the state directory)',
      (y) =>
        y
          .positional('dir', { type: 'string' })
          .option('workers', { alias: 'w', type: 'string', describe: 'worker threads (may differ from the first run)' })
          .option('concurrency', { alias: 'c', type: 'string', describe: 'connects in flight (may differ)' })
          .option('rate', { type: 'string', describe: 'probes per second cap (may differ)' })
          .option('host-rate', { type: 'string', describe: 'probes per second to any one host (may differ)' })
          .option('max-time', { type: 'string', describe: 'stop after this many seconds, or a time with a unit: 500ms, 5m (default: the first run\'s, if it had one; --no-max-time: none)' })
          .option('source-address', { alias: 'S', type: 'string', describe: 'bind connects to this address instead of the first run\'s (a scan moved to another machine); --no-source-address: the kernel picks' })
          .option('format', { alias: 'f', type: 'string', describe: 'report format (default: the first run\'s)' })
          .option('output', { alias: 'o', type: 'string', describe: 'report file (default: the first run\'s); -oN/-oX/-oG/-oJ FILE and -oA BASE replace the first run\'s reports' })
          .option('nmap-report', { type: 'string', hidden: true })
          .option('quiet', { alias: 'q', type: 'boolean' })
          .option('summary-json', { type: 'string' })
          .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://HOST:PORT/metrics while the scan runs' }),
      (a) => run(resumeCommand(a as unknown as ResumeFlags, command, signal, take(), fault)),
    )
    .command(
      'merge <dirs..>',
      'combine the shard directories of one scan into one report',
      (y) =>
        y
          .positional('dirs', { type: 'string', array: true, demandOption: true })
          .option('format', { alias: 'f', type: 'string', describe: 'text, json, ndjson, csv, grep or xml' })
          .option('output', { alias: 'o', type: 'string', describe: 'report file (default: stdout); more reports: -oN/-oX/-oG/-oJ FILE, -oA BASE' })
          .option('nmap-report', { type: 'string', hidden: true })
          .option('allow-partial', { type: 'boolean', describe: 'merge even with missing or unfinished shards' })
          .option('states', { type: 'string', describe: 'which recorded states to write: open, open,filtered, all (default: all the scan recorded)' })
          .option('open', { type: 'boolean', describe: 'as nmap --open: open ports only, and the grep and xml reports leave out hosts with none' })
          .option('quiet', { alias: 'q', type: 'boolean', describe: 'taken, as by scan and resume: merge prints only errors' })
          .option('summary-json', { type: 'string', describe: 'also write the merged summary as JSON to FILE (as a scan writes its own)' }),
      (a) => run(mergeCommand(a as unknown as MergeFlags, command, signal.signal)),
    )
    .command(
      'status [dirs..]',
      'list scans and their shards: state, progress, rate, ETA, files (default: the state directory)',
      (y) =>
        y
          .positional('dirs', { type: 'string', array: true, describe: 'shard directories, or directories of them' })
          .option('json', { type: 'boolean', describe: 'as JSON' })
          .option('format', { alias: 'f', type: 'string', describe: 'text or json' }),
      (a) => run((async () => (guardStdout(), (await import('./status.js')).statusCommand(a as unknown as StatusFlags)))()),
    )
    .command(
      'validate <dirs..>',
      'check shard directories against the JSON Schemas',
      (y) => y.positional('dirs', { type: 'string', array: true, demandOption: true }),
      (a) => run((guardStdout(), validateCommand(a as unknown as { dirs: string[] }))),
    )
    .middleware(lastValueWins, true)
    .middleware(noFalseValues)
    .strict()
    .exitProcess(false)
    .version(packageVersion())
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // The help of the command it was given to (merge --seed 3 pointed to the scan's).
      const own = (COMMANDS as readonly string[]).includes(argv[0]!) && argv[0] !== 'help' ? `${argv[0]} ` : '';
      // `status -p 22` may mean a host named status (the hint a subcommand's name among targets gets).
      const host = own !== '' && argv[0] !== 'resume' && argv.some((a) => /^(-p|--ports|--top-ports)(=|$)/.test(a)) ? `; to scan a host named '${argv[0]}', write it with a trailing dot: '${argv[0]}.'` : '';
      throw err ?? new ShardscanError('E_OPTION', `${unknownMessage(msg, argv, rawArgv)} (see shardscan ${own}--help)${host}`);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    await take()?.destroy();
    if (err instanceof ShardscanError) {
      process.stderr.write(`shardscan: error: ${err.message}\n`);
      return err.isUsage ? EXIT.usage : EXIT.runtime;
    }
    process.stderr.write(`shardscan: internal error: ${messageOf(err)}\n`);
    if (process.env.SHARDSCAN_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
    return EXIT.runtime;
  }
  await take()?.destroy();
  return status;
}
