/**
 * The files a command writes its reports to: checked before the first probe
 * (a bad path fails at once, not after the scan), against each other and
 * against what the command reads; opened only once nothing can refuse the
 * command any more; closed at the end. Also nmap's report options (reportsOf).
 */
import { type Stats, accessSync, closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, realpathSync, statSync, statfsSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { OutputFormat, ScanConfig } from '../config/index.js';
import { ShardscanError, errnoCode, messageOf, quote } from '../errors.js';
import { FdWritable } from '../output/fd-stream.js';
import { SPILL_RECORDS, checkSpillDir } from '../output/host-groups.js';
import { sortedReports } from '../config/limits.js';
import { NMAP_OUTPUT } from './spellings.js';

/** A report besides the main one, its file open. */
export interface OpenReport {
  format: OutputFormat;
  output: string;
  out: Writable;
}

type Reports = Pick<ScanConfig, 'format' | 'output' | 'extraReports'>;

/** The reports nmap's options asked for, as typed (see typedReports); none for a config's own or a resume's first run's. */
export type TypedReports = { format: OutputFormat; output: string | null; as: string }[];

/**
 * How a message names a report: as typed when one of nmap's options gave it
 * (-oX, or -oA BASE's xml report: `-oX somedir` was "cannot open --output"),
 * else --output when it is the only one or has a file, else by its format.
 */
function labelOf(r: { format: OutputFormat; output: string | null }, config: Reports, typed: TypedReports, main: boolean): string {
  const same = (x: { format: OutputFormat; output: string | null }): boolean => x.format === r.format && x.output === r.output;
  // (A name with %S read a second after reportsOf read it misses, and is named by its format.) The main report
  // takes a typed one only past those the extra reports of its format and file take: `-o f -oN f` was "-oN and
  // -oN #2 name the same file", the -o never named.
  const t = typed.filter(same)[main ? config.extraReports.filter(same).length : 0];
  if (t !== undefined) return t.as.startsWith('-oA ') ? `${t.as}'s ${r.format} report` : t.as.split(' ')[0]!;
  // Not typed, so -o (or a config file's "output") gave its file: `-o a -oX a` was "the text report and -oX".
  return main && (config.extraReports.length === 0 || r.output !== null) ? '--output' : `the ${r.format} report`;
}

/** How a message names the main report. */
const mainLabel = (config: Reports, typed: TypedReports = []): string => labelOf(config, config, typed, true);

/**
 * Every report file of a config checked, none opened (see checkReportPath).
 * Called where the files used to be opened; openReports, once nothing else
 * can refuse the command.
 */
export function checkReports(config: Reports, positions: number, typed: TypedReports = []): void {
  checkReportPath(config.output, mainLabel(config, typed));
  for (const r of config.extraReports) checkReportPath(r.output, labelOf(r, config, typed, false));
  checkStdoutShared(config, typed);
  // A report sorted by host that may hold more records than it keeps in memory needs TMPDIR (output/host-groups.ts).
  if (positions > SPILL_RECORDS && sortedReports(config) > 0) checkSpillDir();
}

/**
 * A report file that is this command's stdout (/dev/stdout, /proc/self/fd/1,
 * or the file stdout is redirected to) while another report goes to stdout:
 * the two would be written into one another, as `-oN /dev/stdout -oX -` or
 * `-oX scan.xml > scan.xml` were. /dev/null may take any number.
 */
function checkStdoutShared(config: Reports, typed: TypedReports): void {
  if (config.output !== null) return; // extra reports always have a file; only the main one goes to stdout
  const onStdout = mainLabel(config, typed);
  const stdout = fstatOrNot(1);
  const devNull = statOrNot('/dev/null');
  if (stdout === undefined || (devNull !== undefined && stdout.isCharacterDevice() && stdout.rdev === devNull.rdev)) return;
  for (const r of config.extraReports) {
    const st = statOrNot(r.output);
    if (st !== undefined && st.dev === stdout.dev && st.ino === stdout.ino) {
      throw new ShardscanError('E_OUTPUT', `${labelOf(r, config, typed, false)} '${quote(r.output)}' is this command's stdout, where ${onStdout} already goes; give it another file`);
    }
  }
}

function fstatOrNot(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

/** Open the main report and every extra one (after checkReports and checkDistinctFiles). */
export function openReports(config: Reports, typed: TypedReports = []): { out: Writable; extras: OpenReport[] } {
  const out = openReport(config.output, config.output, mainLabel(config, typed));
  return { out, extras: config.extraReports.map((r) => ({ ...r, out: openReport(r.output, r.output, labelOf(r, config, typed, false)) })) };
}

/**
 * Whether a report file can be written, found out without opening it for
 * writing: a command refused later (a bad --out-dir, a second report that
 * cannot be opened) left existing reports empty, since opening with 'w'
 * truncates them, where nmap leaves them as they were. A FIFO with no reader
 * is refused: opening it would wait where no Ctrl+C can end the wait.
 */
export function checkReportPath(output: string | null, label = '--output'): void {
  if (output === null) return;
  checkOutputName(output);
  const why = unwritable(output);
  if (why !== null) throw new ShardscanError('E_OUTPUT', `cannot open ${label} '${quote(output)}': ${why}`);
}

/** statfs types of the kernel's own file systems: proc, sysfs, debugfs, securityfs, cgroup, cgroup2, configfs, tracefs. */
const KERNEL_FS = new Set([0x9fa0, 0x62656572, 0x64626720, 0x73636673, 0x27e0eb, 0x63677270, 0x62656570, 0x74726163]);

/** Write ends of FIFOs whose reader was checked for; see unwritable. */
const probedFifos: number[] = [];

/**
 * Why `path` could not be written, found out without writing to it, or null:
 * a directory, a parent that is missing or a file, no permission, or a FIFO
 * with no reader (opening it would wait where no Ctrl+C can end the wait).
 */
function unwritable(path: string): string | null {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) return 'EISDIR';
    if (st?.isFIFO()) {
      // Held open until the process ends: closed here, it handed a reader such as `cat p` its end of file, and
      // the report's own open then waited for a reader that was gone, where no Ctrl+C could end the wait.
      probedFifos.push(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      return null;
    }
    const dir = dirname(resolve(path));
    if (st === undefined && !statSync(dir).isDirectory()) return 'ENOTDIR';
    // Tried, not asked: root passes access(W_OK) in /proc and /sys, where no file can be made, and
    // --summary-json (written last) failed only after the scan. An existing regular file is opened
    // without truncation (left as it was); for a new one, a probe file is made beside it and removed.
    // Anything else (a terminal, /dev/stdout, a socket) is asked: opening it may act on it.
    if (st?.isFile()) {
      // As root, /proc/self/status opens for writing; the write failed only after the scan.
      if (KERNEL_FS.has(statfsSync(path).type)) return 'a kernel file of /proc or /sys, not one to write to';
      closeSync(openSync(path, constants.O_WRONLY));
    } else if (st !== undefined) accessSync(path, constants.W_OK);
    else {
      const probe = join(dir, `.shardscan-probe-${process.pid}`);
      closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
      unlinkSync(probe);
    }
    return null;
  } catch (err) {
    return errnoCode(err) === 'ENXIO' ? 'a FIFO with no reader; start its reader first' : (errnoCode(err) ?? messageOf(err));
  }
}

/**
 * The report files of a config, named for checkDistinctFiles: as typed for
 * nmap's options (-oN: `-iL t.txt -oN t2` said "-o 't2' would write over"),
 * else "-o" when it writes one report, "the xml report" when it writes
 * several; "#2" for a second of one name.
 */
export function reportFileNames(config: Reports, typed: TypedReports = []): Record<string, string | null> {
  const names: Record<string, string | null> = {};
  const seen = new Map<string, number>();
  for (const [i, r] of [{ format: config.format, output: config.output }, ...config.extraReports].entries()) {
    const label = labelOf(r, config, typed, i === 0);
    const name = label === '--output' ? '-o' : label;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    names[`${name}${n > 1 ? ` #${n}` : ''}`] = r.output;
  }
  return names;
}

/**
 * Open the report destination (a file, or stdout) before anything else is
 * written, so a bad -o path fails at once instead of after the scan.
 */
export function openReport(output: string | null, shownAs: string | null = output, label = '--output'): Writable {
  if (output === null) return stdoutIsFile() ? new FdWritable(1, false) : process.stdout;
  checkOutputName(output);
  let fd: number;
  try {
    fd = openSync(output, 'w');
  } catch (err) {
    throw new ShardscanError('E_OUTPUT', `cannot open ${label} '${shownAs ?? output}': ${errnoCode(err) ?? messageOf(err)}`);
  }
  return new FdWritable(fd, true);
}

/** An empty -o is a forgotten file name (an unset shell variable), never "stdout". */
export function checkOutputName(output: string): void {
  if (output.trim() === '') throw new ShardscanError('E_OUTPUT', '--output needs a file name, e.g. -o report.txt (- for stdout)');
}

/**
 * --summary-json is written when the scan ends: a path that could never be
 * written is refused before the first probe, as --output is, not after an
 * hour of scanning. Nothing is created yet.
 */
export function checkSummaryPath(path: string | undefined): void {
  if (path === undefined) return;
  if (path.trim() === '' || path === '-') throw new ShardscanError('E_OUTPUT', `--summary-json needs a file name${path === '-' ? ' (stdout carries the report)' : ''}, e.g. --summary-json summary.json`);
  const why = unwritable(path);
  if (why !== null) throw new ShardscanError('E_OUTPUT', `cannot write --summary-json '${quote(path)}': ${why}`);
}

/** stdout redirected to a file (or /dev/null): written through FdWritable, not Node's stdout. */
function stdoutIsFile(): boolean {
  try {
    const st = fstatSync(1);
    return st.isFile() || st.isCharacterDevice() && !process.stdout.isTTY;
  } catch (err) {
    void err; // no stdout at all: let Node's stream report it on write
    return false;
  }
}

export async function endStream(out: Writable): Promise<void> {
  if (out === process.stdout) return;
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
}

/** What stat says, or undefined for a path that cannot be statted (missing, under a file, no permission). */
function statOrNot(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** What sameFile compares of one path, looked up once however many paths it is compared with. */
interface FileName {
  abs: string;
  where: string;
  stat: Stats | undefined;
}

function fileName(path: string): FileName {
  return { abs: resolve(path), where: whereTo(path), stat: statOrNot(path) };
}

/** Two names for one file: equal paths, or (when both exist) the same inode. */
function sameFile(a: FileName, b: FileName): boolean {
  if (a.abs === b.abs || a.where === b.where) return true;
  return a.stat !== undefined && b.stat !== undefined && a.stat.dev === b.stat.dev && a.stat.ino === b.stat.ino;
}

/**
 * Where a path leads, also for a file not made yet: through a symlinked
 * directory (`dl/x.txt` with `dl -> .`) and through a symlink to a missing
 * file (`xlink -> x.txt`). Compared by name alone, `-o x.txt -oX dl/x.txt`
 * wrote two reports into one file, exit 0.
 */
export function whereTo(path: string, depth = 0): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // not there (yet), or a dangling link
  }
  try {
    if (depth < 40 && lstatSync(abs, { throwIfNoEntry: false })?.isSymbolicLink()) return whereTo(resolve(dirname(abs), readlinkSync(abs)), depth + 1);
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch {
    return abs; // a parent that is a file or missing: the open says so, in one line
  }
}

/**
 * Refuses, before anything is opened, a file the scan would write twice or
 * write over while it is one of its inputs: -o and --summary-json on one
 * file kept only the summary, and -iL t.txt -o t.txt replaced the target
 * list with the report. Devices (/dev/null, /dev/stdout) may be shared.
 */
export function checkDistinctFiles(outputs: Record<string, string | null | undefined>, inputs: Record<string, string | null | undefined>): void {
  const named = (o: Record<string, string | null | undefined>): [string, string][] =>
    Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '' && e[1] !== '-');
  // Each path is resolved and stat'ed once: compared pairwise, a scan's
  // shard-directory files took ~500 stat calls and a realpath walk each.
  const look = (o: [string, string][]): [string, string, FileName][] => o.map(([name, path]) => [name, path, fileName(path)]);
  const outs = look(named(outputs));
  const ins = look(named(inputs));
  for (let i = 0; i < outs.length; i++) {
    const [name, path, file] = outs[i]!;
    // Devices (/dev/null, /dev/stdout) may be shared.
    if (file.stat !== undefined && !file.stat.isFile() && !file.stat.isDirectory()) continue;
    for (const [other, , otherFile] of outs.slice(i + 1)) {
      if (sameFile(file, otherFile)) throw new ShardscanError('E_OUTPUT', `${name} and ${other} name the same file '${quote(path)}'; give each its own`);
    }
    for (const [other, , otherFile] of ins) {
      if (sameFile(file, otherFile)) throw new ShardscanError('E_OUTPUT', `${name} '${quote(path)}' would write over ${other}, which this command reads; write it elsewhere`);
    }
  }
}

/** nmap's -oA BASE: the three reports nmap writes, under nmap's names for them. */
const NMAP_ALL: readonly [OutputFormat, string][] = [
  ['text', 'nmap'],
  ['xml', 'xml'],
  ['grep', 'gnmap'],
];

/** Most reports one run writes: the main one and MAX_EXTRA_REPORTS more (config.schema.json's limit). */
export const MAX_EXTRA_REPORTS = 8;

/**
 * nmap's report options (-oN/-oX/-oG/-oJ FILE, -oA BASE), each a report of
 * its own, as nmap writes every report it is given. The main report (the one
 * --format and --output describe) is -f/-o when given, else the one on stdout
 * ("-oX -"), else, when stdout is a terminal, the text report on it, as nmap
 * shows; else the first; the rest are extra reports, each to its file.
 * `given`: what -f and -o (or a --config file's "format" and "output") gave
 * the main report, if anything; a config file's "extraReports" are kept, the
 * typed ones added after them, as a config's main report is kept (in place
 * of them, a report the file asks for was dropped without a word).
 */
export function reportsOf(typed: readonly string[], given: Partial<Reports>, now = new Date(), terminal = process.stdout.isTTY === true): Partial<ScanConfig> {
  const { format, output } = given;
  const explicit = format !== undefined || output !== undefined;
  const kept = given.extraReports ?? [];
  const asked = typedReports(typed, now);
  const toStdout = asked.filter((r) => r.output === null);
  // Named as typed: `-o - -oX -` was "-f text and -oX - both write to stdout".
  if (explicit && output == null) toStdout.unshift({ format: 'text', output: null, as: output === null ? `${format !== undefined ? `-f ${format} ` : ''}-o -` : `-f ${format ?? 'text'}` });
  if (toStdout.length > 1) throw new ShardscanError('E_OPTION', `${toStdout.map((r) => quote(r.as)).join(' and ')} ${toStdout.length === 2 ? 'both' : 'all'} write to stdout; give ${toStdout.length === 2 ? 'one of them' : 'all but one'} a file`);
  if (explicit && toStdout.length === 1 && output != null) throw new ShardscanError('E_OPTION', `${quote(toStdout[0]!.as)} writes to stdout, and -o ${quote(output)} names the main report; give ${toStdout[0]!.as.split(' ')[0]} a file, or leave out -o`);
  const total = asked.length + (explicit ? 1 : 0) + kept.length;
  if (total > MAX_EXTRA_REPORTS + 1) throw new ShardscanError('E_OPTION', `at most ${MAX_EXTRA_REPORTS + 1} reports per run, and this asks for ${total}${kept.length > 0 ? ` (${kept.length} of them the config file's "extraReports")` : ''}`);
  // At a terminal nmap shows its normal output besides the files it writes (nmap -oX r.xml): the text report goes to the screen too.
  // Only at a terminal: a script's stdout gets nothing it did not ask for, and a large scan sorts once per report.
  if (!explicit && toStdout.length === 0 && terminal && total < MAX_EXTRA_REPORTS + 1) return { format: 'text', output: null, extraReports: [...kept, ...asked.map((r) => ({ format: r.format, output: r.output! }))] };
  const main = explicit ? null : (toStdout[0] ?? asked[0]!);
  const c: Partial<ScanConfig> = { extraReports: [...kept, ...asked.filter((r) => r !== main).map((r) => ({ format: r.format, output: r.output! }))] };
  if (main !== null) {
    c.format = main.format;
    c.output = main.output;
  }
  return c;
}

/**
 * The reports nmap's options ask for, as typed (normalizeArgv's "-oX:FILE",
 * yargs' one string or several), each with its file (null: stdout) and the
 * option that gave it: reportsOf's list, and how messages name them.
 */
export function typedReports(typed: string | readonly string[] | undefined, now = new Date()): TypedReports {
  const asked: TypedReports = [];
  for (const t of typed === undefined ? [] : [typed].flat()) {
    const colon = t.indexOf(':');
    const option = t.slice(0, colon);
    const file = nmapFileName(t.slice(colon + 1), now);
    if (option === '-oA') {
      if (file.trim() === '') throw new ShardscanError('E_OPTION', '-oA needs a base name, e.g. -oA scan (writes scan.nmap, scan.xml and scan.gnmap)');
      if (file === '-') throw new ShardscanError('E_OPTION', '-oA writes three reports and only one can go to stdout; give a base name, e.g. -oA scan');
      for (const [format, ext] of NMAP_ALL) asked.push({ format, output: `${file}.${ext}`, as: `-oA ${file}` });
      continue;
    }
    if (NMAP_OUTPUT[option] === undefined) throw new ShardscanError('E_OPTION', `unknown option ${quote(t)}`); // --nmap-report typed by hand
    if (file.trim() === '') throw new ShardscanError('E_OPTION', `${option} needs a file name, e.g. ${option} report.${option === '-oX' ? 'xml' : 'txt'} (- for stdout)`);
    asked.push({ format: NMAP_OUTPUT[option] as OutputFormat, output: file === '-' ? null : file, as: `${option} ${file}` });
  }
  return asked;
}

/**
 * nmap's conversions in the names its report options take (-oX 'scan-%D-%T.xml'
 * is scan-120226-154210.xml): %H %M %S %m %d %y %Y as in strftime, %T is
 * %H%M%S, %R is %H%M, %D is %m%d%y, in local time; % and any other character
 * is that character (%% a %). A script written for nmap got a file named
 * 'scan-%D.xml' where it looked for the date.
 */
export function nmapFileName(name: string, now: Date): string {
  if (!name.includes('%')) return name;
  const two = (n: number): string => String(n).padStart(2, '0');
  const v: Record<string, string> = { H: two(now.getHours()), M: two(now.getMinutes()), S: two(now.getSeconds()), m: two(now.getMonth() + 1), d: two(now.getDate()), y: two(now.getFullYear() % 100), Y: String(now.getFullYear()) };
  v.T = v.H! + v.M! + v.S!;
  v.R = v.H! + v.M!;
  v.D = v.m! + v.d! + v.y!;
  return name.replace(/%([\s\S]?)/g, (_, c: string) => v[c] ?? c);
}
