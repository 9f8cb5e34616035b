/**
 * Command-line flags → a partial ScanConfig. Numbers are taken as strings and
 * checked here, so a bad value is named with an example instead of becoming NaN.
 */
import { resolve } from 'node:path';
import { type OutputFormat, MAX_TIME_SEC, OUTPUT_FORMATS, type ScanConfig, configName, loadConfigFile } from '../config/index.js';
import { ShardscanError, quote } from '../errors.js';
import { parseShard } from '../shard/plan.js';
import { checkListed, readStdinList } from '../targets/stdin-list.js';
import { noTargets } from '../targets/parse.js';
import { type PortInput, buildPorts } from '../ports/parse.js';
import { rankedPortCount } from '../ports/services.js';
import { PROBE_ENGINES, type ProbeEngine } from '../model/scan.js';
import { givenAs, namedTogether, noteConfigOrigin } from './config-origin.js';
import { PORT_STATES, type PortState } from '../model/states.js';
import { MAX_WORKERS } from './early.js';
import { reportsOf } from './report-files.js';
import { durationFlag, maxTimeFlag } from './durations.js';
import { keepEarlier } from './repeated.js';
import { EMPTY_GLUED, NMAP_EXPANDED, NMAP_IGNORED, NMAP_OUTPUT, NMAP_RENAMED, NMAP_TEMPLATES, COMMANDS, commandFirst, helpArgv, isGlued, isVerbose, scanTypeLetters, switchCluster, takesNoValue } from './spellings.js';

export { durationFlag } from './durations.js';

/** The scan flags as yargs hands them over (all optional). */
export interface ScanFlags {
  targets?: string[];
  inputFile?: string;
  exclude?: string | string[];
  excludeFile?: string;
  ports?: string;
  topPorts?: string;
  excludePorts?: string;
  timeout?: string;
  initialRttTimeout?: string;
  minRttTimeout?: string;
  maxRttTimeout?: string;
  hostTimeout?: string;
  retries?: string;
  banners?: boolean;
  open?: boolean;
  family?: string;
  bannerTimeout?: string;
  bannerConcurrency?: string;
  concurrency?: string;
  workers?: string;
  seed?: string;
  order?: string;
  shard?: string;
  rate?: string;
  hostRate?: string;
  engine?: string;
  sourceAddress?: string | false;
  format?: string;
  output?: string;
  /** nmap's report options as typed, "-oX:FILE" (see normalizeArgv); each is a report of its own. */
  nmapReport?: string | string[];
  states?: string;
  outDir?: string | false;
  chunkSize?: string;
  maxTime?: string | false;
  config?: string;
  blocklist?: string | false;
  yes?: boolean;
}

function usage(message: string): ShardscanError {
  return new ShardscanError('E_OPTION', message);
}

/** A whole number in [min, max], or a usage error that quotes it. */
export function intFlag(name: string, value: string, min: number, max: number, example: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`bad --${name} '${quote(value)}': give a whole number from ${min} to ${max}, e.g. --${name} ${example}`);
  }
  return n;
}

/** The shortest --max-rtt-timeout, nmap's ("Bogus --max-rtt-timeout argument specified, must be at least 5ms"): a smaller ceiling times out answers on any path but loopback. */
const MIN_MAX_RTT_MS = 5;

/** A non-negative decimal number, e.g. a rate. */
function numberFlag(name: string, value: string, example: string): number {
  const n = /^(\d+(\.\d+)?|\.\d+)$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw usage(`bad --${name} '${quote(value)}': give a plain decimal number (no sign or exponent; fractions allowed), e.g. --${name} ${example}`);
  return n;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw usage(`bad --${name} '${quote(value)}': use one of ${allowed.join(', ')}, e.g. --${name} ${allowed[0]}`);
  }
  return value as T;
}

/**
 * The states a report shows, from --open and --states (scan and merge alike).
 * nmap's --open: open ports only, and no host without one in the grep and XML
 * reports. With --states as well, one of the two would be ignored, so both are refused.
 */
export function shownStates(open: boolean | undefined, states: string | undefined): { states?: PortState[]; openHostsOnly: boolean } {
  if (open && states !== undefined) throw usage(`--open is --states open (and lists only hosts with an open port); give --open or --states ${quote(states)}, not both`);
  if (open) return { states: ['open'], openHostsOnly: true };
  return { states: states === undefined ? undefined : parseStates(states), openHostsOnly: false };
}

/** "open", "open,filtered", "all". */
export function parseStates(value: string): PortState[] {
  const states = value.split(',').map((s) => s.trim());
  // An empty item ("open,", "open,,closed") is refused, as -p refuses "22,,80":
  // it is most often a list whose last part a script failed to fill in.
  if (states.includes('')) throw usage(`bad --states '${quote(value)}': an empty item; e.g. --states open,filtered or --states all`);
  // "all" means every state, alone or in a list ("all,open" asks for no less).
  if (states.includes('all')) return [...PORT_STATES];
  for (const s of states) {
    if (!(PORT_STATES as readonly string[]).includes(s)) {
      throw usage(`bad --states '${quote(value)}': '${quote(s)}' is not a state (open, closed, filtered, error, all), e.g. --states open,filtered`);
    }
  }
  return [...new Set(states)] as PortState[];
}

/**
 * An --exclude value with an empty item is refused. `--exclude 127.0.0.1,
 * 127.0.0.2` reached us as "127.0.0.1," (the comma dropped) and a target
 * 127.0.0.2, which was scanned: the one host the user meant to leave out.
 * A list file's lines are not checked here: no shell splits them.
 */
function excludeCommas(value: string): void {
  const v = value.trim();
  if (v.endsWith(',')) throw usage(`bad --exclude '${quote(value)}': it ends with a comma; a space after a comma starts a new argument, which would be scanned as a target: write the list as one word, e.g. --exclude 127.0.0.1,127.0.0.2`);
  if (/^,|,\s*,/.test(v)) throw usage(`bad --exclude '${quote(value)}': an empty item between commas; e.g. --exclude 127.0.0.1,127.0.0.2`);
}

/** Merge a --config file (if any) and the flags; flags win. */
export function flagsToConfig(f: ScanFlags): Partial<ScanConfig> {
  // An empty file name is a mistake (an unset shell variable), never "none":
  // an --exclude-file '' that was ignored would scan what it meant to leave out.
  for (const [name, value] of [['config', f.config], ['input-file', f.inputFile], ['exclude-file', f.excludeFile], ['out-dir', f.outDir]] as const) {
    if (typeof value !== 'string' || value.trim() !== '') continue;
    const example = { config: 'scan.json', 'input-file': 'targets.txt (- for stdin)', 'exclude-file': 'skip.txt (- for stdin)', 'out-dir': 'scans/first (or --no-out-dir for none)' }[name];
    throw usage(`--${name} needs a ${name === 'out-dir' ? 'directory' : 'file'} name, e.g. --${name} ${example}`);
  }
  const c: Partial<ScanConfig> = f.config ? configFileValues(f.config) : {};
  const fromFile = { ...c };
  // -p and --top-ports each replace both of the file's settings; --exclude-ports adds to its list.
  if (f.config) checkConfigPorts(c, configName(f.config), f.ports === undefined && f.topPorts === undefined);
  // An empty argument ('' from an unset shell variable) names nothing, like ' ' or ',' (the parser splits those away).
  const typed = (f.targets ?? []).map(String);
  const targets = typed.filter((t) => t.trim() !== '');
  // The file's lists, checked before they join the command line's, so a refusal names the file (its targets only when used).
  // An empty argument ('' from an unset "$HOST") is a target given too: it left the config file's whole list to be scanned.
  const ownTargets = typed.length > 0 || f.inputFile !== undefined;
  if (f.config && !ownTargets) checkListed(c.targets ?? [], 'target', `${configName(f.config)}: "targets"`);
  if (f.config) checkListed(c.exclude ?? [], 'exclude', `${configName(f.config)}: "exclude"`);
  if (ownTargets) {
    // The command line's targets (and -iL) replace both of the file's, "targets" and "inputFile": replacing only the
    // one of the same kind scanned the file's inputFile's hosts beside the one host typed to check again.
    delete c.targets;
    delete c.inputFile;
    if (targets.length > 0) c.targets = targets;
    if (f.inputFile !== undefined) c.inputFile = f.inputFile;
  }
  if (f.exclude !== undefined) {
    const more = [f.exclude].flat();
    if (more.some((e) => e.trim() === '')) throw usage("bad --exclude '': empty; give targets to leave out, e.g. --exclude 127.0.0.5,127.0.1.0/24");
    for (const e of more) excludeCommas(e);
    // A space before a comma splits it too: `--exclude 127.0.0.1 ,127.0.0.2` made ',127.0.0.2' a target, and it was scanned.
    const split = targets.find((t) => t.trim().startsWith(','));
    if (split !== undefined) throw usage(`bad target '${quote(split)}' with --exclude: it starts with a comma; a space before a comma starts a new argument, which is scanned as a target: write the --exclude list as one word, e.g. --exclude 127.0.0.1,127.0.0.2`);
    // Added to the config file's list, never in place of it: a list kept there for safety was dropped by one --exclude.
    c.exclude = [...(c.exclude ?? []), ...more];
  }
  if (f.excludeFile !== undefined) {
    // In place of the config file's, it scanned what that one leaves out (--exclude adds up; one file cannot).
    keepFileList('--exclude-file', 'excludeFile', f.excludeFile, c.excludeFile, 'leaves out', 'put the entries of both in one file, or give more with --exclude (which adds up)');
    c.excludeFile = f.excludeFile;
  }
  // "-" (stdin) is read now and kept as a list, so the shard directory's
  // manifest holds it and a resume does not read stdin again.
  const stdinReaders = [f.config === '-' && '--config', c.inputFile === '-' && givenAs('--input-file', 'inputFile', f.inputFile !== undefined, f.config), c.excludeFile === '-' && givenAs('--exclude-file', 'excludeFile', f.excludeFile !== undefined, f.config)].filter((x) => x !== false);
  if (stdinReaders.length > 1) throw usage(`only one of ${namedTogether(stdinReaders, f.config)} can read stdin (-)`);
  if (c.inputFile === '-') {
    const listed = readStdinList('target');
    // Read into the command line's targets, an empty list on stdin was never named: "no targets given" alone.
    if (listed.length === 0 && (c.targets ?? []).length === 0) throw noTargets('-');
    c.targets = [...(c.targets ?? []), ...listed];
    c.inputFile = null;
  }
  if (c.excludeFile === '-') {
    c.exclude = [...(c.exclude ?? []), ...readStdinList('exclude')];
    c.excludeFile = null;
  }
  if (f.ports !== undefined) {
    c.ports = f.ports;
    c.topPorts = null;
  }
  if (f.topPorts !== undefined) {
    c.topPorts = intFlag('top-ports', f.topPorts, 1, rankedPortCount(), '100');
    if (f.ports === undefined) c.ports = null;
  }
  // Added to the config file's, as --exclude is: in place of it, a port left out there for safety was scanned.
  // An empty flag is left alone, for the parser to refuse ("22" and '' made "22,", which passed).
  if (f.excludePorts !== undefined) c.excludePorts = typeof c.excludePorts === 'string' && f.excludePorts.trim() !== '' ? `${c.excludePorts.replace(/,\s*$/, '')},${f.excludePorts}` : f.excludePorts;
  if (f.timeout !== undefined) c.timeoutMs = durationFlag('timeout', f.timeout, 600_000, '1000');
  if (f.initialRttTimeout !== undefined) c.initialRttTimeoutMs = durationFlag('initial-rtt-timeout', f.initialRttTimeout, 600_000, '500ms', 's');
  if (f.minRttTimeout !== undefined) c.minRttTimeoutMs = durationFlag('min-rtt-timeout', f.minRttTimeout, 600_000, '50ms', 's');
  if (f.maxRttTimeout !== undefined) c.maxRttTimeoutMs = durationFlag('max-rtt-timeout', f.maxRttTimeout, 600_000, '2s', 's', MIN_MAX_RTT_MS);
  // 0 is no limit, as in nmap (and the only way to lift a config file's "hostTimeoutMs").
  if (f.hostTimeout !== undefined) c.hostTimeoutMs = /^(0+(\.0*)?|\.0+)(ms|s|m|h)?$/i.test(f.hostTimeout.trim()) ? null : durationFlag('host-timeout', f.hostTimeout, 2_147_000_000, '30m', 's');
  if (f.banners !== undefined) c.banners = f.banners;
  if (f.bannerTimeout !== undefined) c.bannerTimeoutMs = durationFlag('banner-timeout', f.bannerTimeout, 600_000, '3s');
  if (f.bannerConcurrency !== undefined) c.bannerConcurrency = intFlag('banner-concurrency', f.bannerConcurrency, 1, 100_000, '256');
  if (f.retries !== undefined) c.retries = intFlag('retries', f.retries, 0, 20, '1');
  if (f.concurrency !== undefined) c.concurrency = intFlag('concurrency', f.concurrency, 1, 1_000_000, '512');
  if (f.workers !== undefined) c.workers = intFlag('workers', f.workers, 1, MAX_WORKERS, '2');
  if (f.seed !== undefined) c.seed = intFlag('seed', f.seed, 0, Number.MAX_SAFE_INTEGER, '42');
  if (f.order !== undefined) c.order = oneOf('order', f.order, ['random', 'serial'] as const);
  if (f.shard !== undefined) c.shard = parseShard(f.shard);
  if (f.rate !== undefined) c.rate = numberFlag('rate', f.rate, '10000');
  if (f.hostRate !== undefined) c.hostRate = numberFlag('host-rate', f.hostRate, '100');
  if (f.engine !== undefined) c.engine = oneOf<ProbeEngine>('engine', f.engine, PROBE_ENGINES);
  if (f.sourceAddress === false) c.sourceAddress = null;
  else if (f.sourceAddress !== undefined) c.sourceAddress = f.sourceAddress;
  if (f.format !== undefined) c.format = oneOf<OutputFormat>('format', f.format, OUTPUT_FORMATS);
  if (f.output !== undefined) c.output = f.output === '-' ? null : f.output;
  // yargs gives one occurrence as a string, several as an array.
  const nmapReports = f.nmapReport === undefined ? [] : [f.nmapReport].flat();
  if (nmapReports.length > 0) Object.assign(c, reportsOf(nmapReports, c));
  if (f.family !== undefined) c.family = Number(oneOf('family', f.family, ['4', '6'] as const)) as 4 | 6;
  const shown = shownStates(f.open, f.states);
  if (shown.states !== undefined) c.states = shown.states;
  if (shown.openHostsOnly) c.openHostsOnly = true;
  // --no-open and --no-yes lift a config file's "openHostsOnly" and "yes": they were taken and dropped, and the file's setting stood.
  else if (f.open === false) c.openHostsOnly = false;
  if (f.outDir === false) c.outDir = null;
  else if (f.outDir !== undefined) c.outDir = f.outDir;
  if (f.chunkSize !== undefined) c.chunkSize = intFlag('chunk-size', f.chunkSize, 1, 1_048_576, '4096');
  if (f.blocklist === false) c.blocklist = false;
  else if (f.blocklist !== undefined) {
    if (f.blocklist.trim() === '') throw usage('--blocklist needs a file (one range per line), e.g. --blocklist my-blocklist.tsv; --no-blocklist turns it off');
    keepFileList('--blocklist', 'blocklist', f.blocklist, c.blocklist, 'blocks', 'put the ranges of both in one file (--no-blocklist turns it off)');
    c.blocklist = f.blocklist;
  }
  if (f.yes !== undefined) c.yes = f.yes;
  // --no-max-time: none, also over a config file's or (resume) the first run's.
  if (f.maxTime === false) c.maxTimeSec = null;
  else if (f.maxTime !== undefined) c.maxTimeSec = maxTimeFlag(f.maxTime, MAX_TIME_SEC);
  if (f.config) noteConfigOrigin(c, f.config, fromFile);
  return c;
}

/** A list file a flag gives in place of the config file's own (`fromFile`): refused, or what that one `leaves` is scanned (helper 18); its own path is taken. */
function keepFileList(flag: string, key: string, given: string, fromFile: unknown, leaves: string, fix: string): void {
  if (typeof fromFile === 'string' && resolve(fromFile) !== resolve(given)) throw usage(`${flag} '${quote(given)}' would replace the config file's "${key}" '${quote(fromFile)}', and what that one ${leaves} would be scanned: ${fix}`);
}

/**
 * A --config file's values, held to what the same flags are held to: an
 * empty file or directory name is a mistake, never "none" ("outDir": "" wrote
 * the shard files into the current directory, "excludeFile": "" scanned what
 * it meant to leave out), an empty exclude entry too, and "output": "-" is
 * stdout, as -o - is (it made a file named "-").
 */
function configFileValues(path: string): Partial<ScanConfig> {
  const c = { ...loadConfigFile(path) };
  for (const key of ['inputFile', 'excludeFile', 'output', 'outDir', 'blocklist'] as const) {
    const value = c[key];
    if (typeof value === 'string' && value.trim() === '') throw usage(`${configName(path)}: "${key}" is empty; give a ${key === 'outDir' ? 'directory' : 'file'} name, or null for none`);
  }
  for (const key of ['ports', 'excludePorts'] as const) {
    const value = c[key];
    if (typeof value === 'string' && value.trim() === '') throw usage(`${configName(path)}: "${key}" is empty; give ports${key === 'ports' ? '' : ' to leave out'}, e.g. "22,80,1000-2000", or null for ${key === 'ports' ? 'the default' : 'none'}`);
  }
  if (c.exclude?.some((e) => e.trim() === '')) throw usage(`${configName(path)}: "exclude" has an empty entry; give targets to leave out, e.g. ["127.0.0.5"]`);
  if (typeof c.maxRttTimeoutMs === 'number' && c.maxRttTimeoutMs < MIN_MAX_RTT_MS) throw usage(`${configName(path)}: "maxRttTimeoutMs" ${c.maxRttTimeoutMs}: at least ${MIN_MAX_RTT_MS} ms, as --max-rtt-timeout (and nmap's)`);
  if (c.output === '-') c.output = null;
  if (c.extraReports?.some((r) => r.output.trim() === '' || r.output === '-')) {
    throw usage(`${configName(path)}: every "extraReports" entry needs a file ("-" and "" are not files: stdout belongs to "output")`);
  }
  return c;
}

/**
 * A config file's port settings, each checked alone and refused in the
 * file's words: "topPorts": 5000 was "bad --top-ports '5000' … Example:
 * --top-ports 100", as if typed. `portsUsed`: no flag replaced "ports" and
 * "topPorts". What only their combination refuses (both given, every port
 * excluded) is left to the scan's own check.
 */
function checkConfigPorts(c: Partial<ScanConfig>, name: string, portsUsed: boolean): void {
  const each: [keyof ScanConfig, PortInput][] = [['excludePorts', { excludePorts: c.excludePorts ?? undefined, ports: '1' }]];
  if (portsUsed) each.push(['ports', { ports: c.ports ?? undefined }], ['topPorts', { topPorts: c.topPorts ?? undefined }]);
  for (const [key, input] of each) {
    if (c[key] === undefined || c[key] === null) continue;
    try {
      buildPorts(input);
    } catch (err) {
      if (!(err instanceof ShardscanError) || !err.message.startsWith('bad ')) continue;
      throw usage(`${name}: "${key}" ${err.message.replace(/^bad (port list|--[\w-]+) /, '').replace(/\. Example: .*$/, '')}`);
    }
  }
}

/** Options with a value that also have a --no- form: none (no shard directory, no blocklist, the kernel's source address, no time limit). */
const NEGATABLE = new Set(['out-dir', 'blocklist', 'source-address', 'max-time']);

/** Flags that may be given several times and add up; every other repeated flag keeps its last value. */
const LIST_FLAGS = new Set(['_', '--', 'targets', 'dirs', 'exclude', 'nmapReport', 'nmap-report']);

/**
 * yargs middleware, after its own checks (an unknown --no-such is "unknown
 * option"): yargs reads --no-X as X = false for every option, and an option
 * that takes a value then crashed on false ("internal error: value.trim is
 * not a function", exit 1). Only switches and NEGATABLE have a --no- form.
 */
export function noFalseValues(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    // A one-letter key is an alias (S, p), set beside its long name, which is judged instead:
    // --no-source-address was refused as "--no--s", and --no-ports named "--no-p".
    if (key.length === 1) continue;
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (value !== false || NEGATABLE.has(name) || takesNoValue(`--${name}`)) continue;
    throw usage(`--no-${name} is not an option: only switches and ${[...NEGATABLE].map((n) => `--no-${n}`).join(', ')} have a --no- form (leave an option out for its default)`);
  }
}

/**
 * yargs middleware: a flag given twice (`--rate 1 --rate 2`) arrives as an array, which every check downstream
 * would trip on. As in nmap, the last one wins, the others checked too (repeated.ts; -p and -o twice are refused
 * before: reportClash, listClash).
 */
export function lastValueWins(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    if (Array.isArray(value) && !LIST_FLAGS.has(key)) (keepEarlier(argv, key, value.slice(0, -1)), (argv[key] = value.at(-1)));
  }
}

/**
 * What follows `--`: a scan's targets (scanCommand reads them from yargs'
 * `_`), or a subcommand's directories. yargs left those in `_`, which the
 * subcommands never read: `merge -- d` said it needs the directories,
 * `status -- d` listed the state directory, and `resume -- d` resumed the
 * latest interrupted scan there instead of d. They are given to the command
 * as its directories; a name that starts with "-" as "./-name" (the same
 * directory), so that yargs cannot take it for an option.
 */
function afterDashes(command: string | undefined, rest: readonly string[]): string[] {
  if (command === undefined || command === 'help' || !(COMMANDS as readonly string[]).includes(command)) return ['--', ...rest];
  return rest.map((d) => (d.startsWith('-') ? `./${d}` : d));
}

/**
 * nmap spellings, so an nmap command line works: "-p-" (all ports), "-p80",
 * and the tables in spellings.ts ("-iL FILE", "-oX FILE", "--max-rate N",
 * "--open", "-F", -T4...). A "-" value ("-iL -": stdin, "-o -" or "-oX -":
 * stdout) is glued to its option: yargs would take a lone "-" for a
 * positional and leave the option empty. What it cannot honour: argvRefusal.
 */
export function normalizeArgv(given: readonly string[]): string[] {
  const typed = helpArgv(commandFirst(given));
  const stop = typed.indexOf('--');
  const argv = [...typed.slice(0, stop < 0 ? typed.length : stop).flatMap(switchCluster).flatMap(scanTypeLetters), ...(stop < 0 ? [] : typed.slice(stop))];
  const out: string[] = [];
  // nmap's -F is the top 100 unless --top-ports says how many, in either order (`--top-ports 10 -F` scanned 100).
  const topPorts = argv.slice(0, stop < 0 ? argv.length : argv.indexOf('--')).some((a) => a === '--top-ports' || a.startsWith('--top-ports='));
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === '-F' && topPorts) continue;
    if (raw === '--') {
      out.push(...afterDashes(out[0], argv.slice(i + 1)));
      break;
    }
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const name = eq < 0 ? raw : raw.slice(0, eq);
    let typed = (NMAP_RENAMED[name] ?? name) + (eq < 0 ? '' : raw.slice(eq));
    // nmap's -T takes its template glued or apart, as a digit or a name: -T4, -T 4, -Taggressive, -T aggressive.
    if (typed === '-T' && i + 1 < argv.length && /^[0-9a-z]+$/i.test(argv[i + 1]!)) typed = `-T${argv[++i]}`;
    // The template's name in any case (-TInsane); the T only upper: -traceroute and -tinsane are not templates.
    const a = /^-T[a-zA-Z]+$/.test(typed) ? `-T${NMAP_TEMPLATES[typed.slice(2).toLowerCase()] ?? typed.slice(2)}` : typed;
    if (NMAP_IGNORED.has(a) || isVerbose(a)) continue;
    if (NMAP_EXPANDED[a] !== undefined) out.push(NMAP_EXPANDED[a]);
    else if (NMAP_OUTPUT[a] !== undefined || a === '-oA') {
      // "-oN -q" is a file name forgotten, not a report named "-q" ("-" alone is stdout).
      const file = i + 1 < argv.length && (argv[i + 1] === '-' || !argv[i + 1]!.startsWith('-')) ? argv[++i]! : '';
      out.push(`--nmap-report=${a}:${file}`);
    } else if ((argv[i + 1] === '-' || /^-[\d,]/.test(argv[i + 1] ?? '')) && /^--?[A-Za-z][\w-]*$/.test(a) && !takesNoValue(a)) {
      // A value that starts with "-" and a digit or a comma ("--timeout -5s", "--shard -1/3", "-p -,80": all ports, as nmap
      // reads it) is the option's value, bad or not: yargs split it into options and said "unexpected arguments '5', 's'".
      out.push(`${a}=${argv[++i]}`);
    } else if (a === '-p-') out.push('--ports=-');
    else if (EMPTY_GLUED.test(a)) out.push(a.slice(0, 2), ''); // an empty value, said as such: yargs answered "unexpected argument '='"
    else if (isGlued(a)) {
      // A short option's value glued to it, as getopt (and so nmap) reads it: -p80, -pssh, -S127.0.0.1, -ofile.
      // yargs read the rest as more letters: -pssh was -p -s -s -h and printed the help; -fcsv said "unknown options -s, -v".
      out.push(`${a.slice(0, 2)}=${a.slice(2)}`);
    } else out.push(a);
  }
  return out;
}
