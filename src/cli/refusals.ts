/**
 * What a command line asks for that shardscan does not do, said in one line
 * before anything runs: nmap options it cannot honour, a report named twice,
 * and yargs' own complaints ("Unknown arguments: min-rate, minRate") as the
 * user typed them.
 */
import { quote } from '../errors.js';
import { COMMANDS, FOREIGN_HINTS, NMAP_OUTPUT, NMAP_REFUSED, asTyped, commandTypo, dashRefusal, isLongOption, isReportLetter, takesNextValue, takesNoValue } from './spellings.js';

/** The options part of a command line: what comes before `--` (after it, every word is a target). */
const beforeDashes = (argv: readonly string[]): readonly string[] => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv);

/** --nmap-report is how normalizeArgv passes -oX FILE and the like on; typed, it wrote a report named by its value, or said "unknown option " with no name. */
export function internalRefusal(typed: readonly string[]): string | null {
  return beforeDashes(typed).some((a) => a === '--nmap-report' || a.startsWith('--nmap-report=')) ? 'unknown option --nmap-report (see shardscan --help)' : null;
}

/**
 * RustScan's and masscan's short options that nmap's spelling reads another way, as typed (before normalizeArgv
 * makes -r --order=serial): `-r 1-1000` (RustScan's port range) was read as nmap's -r and its range as a target,
 * "bad target '1-1000'"; `-e 22` and `-g` were told about source interfaces; `-c scan.conf` was a bad --concurrency;
 * `-- -sC -sV` (RustScan's arguments for nmap) bad targets. Each is said as what to give instead.
 */
export function foreignRefusal(typed: readonly string[]): string | null {
  const stop = typed.indexOf('--');
  const options = stop < 0 ? typed : typed.slice(0, stop);
  for (let i = 0; i < options.length; i++) {
    const [a, next] = [options[i]!, options[i + 1]];
    if (a === '-r' && next !== undefined && /^\d+(-\d*)?$/.test(next)) return `-r is nmap's (ports in order: --order serial) and takes no value; RustScan's port range -r ${quote(next)} is -p ${quote(next)} here`;
    if (a === '-e' && next !== undefined && /^\d[\d,-]*$/.test(next)) return `-e is nmap's source interface, which a connect scan leaves to the kernel; RustScan's excluded ports -e ${quote(next)} are --exclude-ports ${quote(next)} here`;
    if (a === '-g' && (next === undefined || !/^\d+$/.test(next))) return "-g is nmap's source port, which a connect scan leaves to the kernel; RustScan's grepable output is -f grep here (or -oG FILE)";
    if (a === '-c' && next !== undefined && /[./]/.test(next) && !/^[\d.]+$/.test(next)) return `-c is --concurrency N here; masscan's configuration file (-c ${quote(next)}) is --config FILE (JSON)`;
    // RustScan's value glued on, as clap takes it (-b5000, -t500, -a127.0.0.1): yargs read the letters one by one,
    // "unexpected arguments '1', '2', '7', 'a'", and -b1h printed the help and exited 0.
    const glued = /^(-[abtx])[\d[:]/.exec(a);
    if (glued !== null && dashRefusal(a) === null) return `unknown option ${glued[1]} (in '${quote(a)}'; ${glued[1]}: ${FOREIGN_HINTS[glued[1]!]})`;
  }
  const after = stop < 0 ? undefined : typed[stop + 1];
  if (after !== undefined && /^-[A-Za-z]/.test(after)) return `after --, every word is a target ('${quote(after)}' is not one); RustScan passes what follows -- to nmap, but here shardscan is the scanner: give its options before -- (nmap's -sV is --banners)`;
  return null;
}

/** The letters a cluster may hold, as getopt reads one (-qy, -nF, -Vq): our switches and nmap's that are taken, and our short options with a value (-4 and -6 never get here: a dash and a digit is refused before). */
const CLUSTER_LETTERS = 'qyhVnFrvpSfocw';

/**
 * A cluster with -h or -V and a letter that is no switch (-Vx, -hz): yargs printed the version or the help and
 * exited 0, and the unknown letter was never refused. Clusters without them are refused by yargs, letter by letter.
 */
function strayLetters(a: string): string | null {
  if (!/^-[A-Za-z]{2,}$/.test(a) || !/[hV]/.test(a) || dashRefusal(a) !== null) return null;
  const unknown = [...new Set(a.slice(1))].filter((c) => !CLUSTER_LETTERS.includes(c));
  if (unknown.length === 0) return null;
  return `unknown ${unknown.length === 1 ? 'option' : 'options'} ${unknown.map((c) => `-${c}`).join(', ')} in '${quote(a)}' (see shardscan --help)`;
}

/** `help` followed by anything but one command name (helpArgv): it went on as a scan of host names. */
function helpRefusal(argv: readonly string[]): string | null {
  if (argv[0] !== 'help' || argv.length === 1) return null;
  return `help takes one command name or none (shardscan help resume); to scan a host named help, write it with a trailing dot: 'help.'`;
}

/**
 * -o given twice (-o a -o b), said in one line, or null: yargs kept the last
 * one only, so the other report was silently never written. More reports
 * come from nmap's options (-oX FILE, -oA BASE), each with its format.
 */
export function reportClash(given: readonly string[]): string | null {
  const typed = beforeDashes(given);
  const files: string[] = [];
  for (let i = 0; i < typed.length; i++) {
    const a = typed[i]!;
    if (/^-o./.test(a) && !isReportLetter(a)) {
      files.push(`-o ${a.slice(a[2] === '=' ? 3 : 2)}`); // glued: -ofile, -oReport.txt, -o=file
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq < 0 ? a : a.slice(0, eq);
    if (name !== '-o' && name !== '--output') continue;
    files.push(`${name} ${eq >= 0 ? a.slice(eq + 1) : (typed[++i] ?? '')}`.trim());
  }
  if (files.length > 1) {
    return `-o is given ${files.length} times (${files.map((f) => quote(f)).join(', ')}) and names one report; for more reports, add -oN, -oX, -oG or -oJ FILE, or -oA BASE (each writes its own format)`;
  }
  return null;
}

/** Options that name one list or file, as a normalized command line spells them, with the way to give one. */
const ONCE: ReadonlyArray<{ name: RegExp; shown: string; fix: (values: string[]) => string }> = [
  { name: /^(-p|--ports)$/, shown: '-p', fix: (v) => `give one list, the ports separated by commas: -p ${quote(v.join(','))}` },
  { name: /^--exclude-ports$/, shown: '--exclude-ports', fix: (v) => `give one list, the ports separated by commas: --exclude-ports ${quote(v.join(','))}` },
  { name: /^--input-file$/, shown: '-iL', fix: () => 'give one file, as nmap takes one: put the targets of both in it, or give more targets on the command line' },
  { name: /^--exclude-file$/, shown: '--exclude-file', fix: () => 'give one file: put the entries of both in it, or give more with --exclude (which adds up)' },
  { name: /^--blocklist$/, shown: '--blocklist', fix: () => 'give one file: put the ranges of both in it (a second list does not add to the first: what the first blocks would be scanned)' },
  { name: /^--config$/, shown: '--config', fix: () => 'give one file: put the settings of both in it (a second file does not add to the first: its "exclude" would be dropped)' },
];

/**
 * An option of ONCE given twice (-p 80 -p 22, -iL a -iL b), said in one line,
 * or null: the last one was used and the others dropped without a word, so
 * `--exclude-ports 1 --exclude-ports 2` scanned port 1, `--exclude-file a
 * --exclude-file b` the hosts of a, and `--config a --config b` the hosts
 * a's "exclude" left out. nmap refuses them too ("Only 1 -p option
 * allowed", "Only one input filename allowed", "Only 1 --exclude-ports option
 * allowed").
 */
export function listClash(given: readonly string[]): string | null {
  const argv = beforeDashes(given);
  for (const { name, shown, fix } of ONCE) {
    const values: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const eq = a.indexOf('=');
      if (name.test(eq < 0 ? a : a.slice(0, eq))) values.push(eq >= 0 ? a.slice(eq + 1) : (argv[++i] ?? ''));
    }
    if (values.length > 1) return `${shown} is given ${values.length} times (${values.map((l) => `'${quote(l)}'`).join(', ')}); ${fix(values)}`;
  }
  return null;
}

/**
 * What a normalized command line asks for that shardscan does not do, said in
 * one line, or null: a "-" no option took (yargs would drop it without a
 * word), and nmap options it cannot honour (yargs alone would answer
 * "Unknown arguments: s, S" to -sS).
 */
export function argvRefusal(argv: readonly string[]): string | null {
  const typo = commandTypo(argv[0]) ?? helpRefusal(argv);
  if (typo !== null) return typo;
  const options = beforeDashes(argv);
  const late = (COMMANDS as readonly string[]).includes(argv[0]!) ? null : laterCommand(options);
  if (late !== null) return late;
  for (const a of options) {
    const dashes = dashRefusal(a);
    if (dashes !== null) return dashes;
    if (a === '-') return "a lone '-' is not a target or a value; to read targets from stdin, use -iL -";
    // Not the value of an option (normalizeArgv glued those: --timeout=-5s, -p=-1024): yargs read -127.0.0.1 as -1 -2 -7, "unexpected arguments '1', '2', '7'".
    if (/^-\d/.test(a)) {
      // After --, nmap and shardscan read "-127.0.0.1" as the octet range 0-127 (0.0.0.1 to 127.0.0.1): not "never".
      const octets = /^-(\d+)(\.\d+){3}$/.exec(a);
      const range = octets ? ` (after --, a target that starts with '-' is an octet range: ${quote(a)} is ${quote(`0${a}`)}, ${Number(octets[1]) + 1} addresses); did you mean ${quote(a.slice(1))}?` : '';
      return `${quote(a)} is not an option${range}`;
    }
    // --banners=1, and after one dash too: -q=1 was read as -q false, -h=1 ran a scan.
    const name = /^--?[A-Za-z][\w-]*=/.test(a) ? a.slice(0, a.indexOf('=')) : a;
    if (Object.hasOwn(NMAP_REFUSED, name)) return `${name} ${NMAP_REFUSED[name]}`;
    // yargs read "--banners=1" as false and "--open=banana" as something: a switch takes no value.
    if (name !== a && takesNoValue(name)) {
      return `${name} is a switch and takes no value (got '${quote(a)}'): give ${name} alone, or leave it out`;
    }
    // Whole families, after the table's own words for some of them (-oA).
    // nmap's scan types; another letter (-sTv's v) is none, which "-sv is not a TCP connect scan" did not say.
    if (/^-s[STAWMUNFXYZOILnVCR]$/.test(a)) return `${a} is not a TCP connect scan: shardscan only makes connect scans (nmap -sT)`;
    if (/^-s[A-Za-z]$/.test(a)) return `${a} is not one of nmap's scan types (it reads the letters after -s one by one: -sTV is -sT -sV); shardscan makes connect scans, -sT, and reads services with -sV`;
    if (/^-T[0-2]$/.test(a)) return `${a} slows nmap down; shardscan has no timing templates: cap its pace with --rate N or --host-rate N (probes per second)`;
    if (/^-T/.test(a)) return `${quote(a)} is not a timing template: nmap has -T0 to -T5 (or paranoid, sneaky, polite, normal, aggressive, insane); shardscan ignores -T3 to -T5 (its timing adapts) and refuses -T0 to -T2 (use --rate N)`;
    if (/^-P[A-Za-z]/.test(a)) return `${quote(a)} is nmap host discovery; shardscan never pings: every target is scanned, as with nmap -Pn`;
    // nmap reads what follows -v as a level (-v3) and refuses -vV; split by yargs it was -v -V, and printed the version.
    // -F5 said "unexpected argument 'F'" (yargs read -F=5); nmap refuses it too (getopt: -F, then -5).
    // nmap's debugging level (-d, -dd, -d3): yargs read -dd as -d twice and said "unknown option -d".
    if (/^-d(d*|\d+)$/.test(a)) return `${quote(a)} is nmap's debugging level; shardscan has no debugging output (its notes and errors go to stderr; -q hides the notes)`;
    if (/^-F\d/.test(a)) return `${quote(a)} is not an option: -F takes no number (it is the top 100 ports); for another count use --top-ports N, e.g. --top-ports ${/^-F\d{1,5}$/.test(a) ? a.slice(2) : 100}`;
    if (/^-v+[^v\d]/.test(a)) return `${quote(a)} is not an option: nmap reads what follows -v as a verbosity level (-v3); give the options apart (e.g. -v -V)`;
    if (isReportLetter(a)) {
      const option = a.slice(0, 3);
      if (a.length > 3 && (NMAP_OUTPUT[option] !== undefined || option === '-oA')) return `${option} takes its file apart, as in nmap: ${option} ${quote(a.slice(3))}`;
      return `${option} is not a report shardscan writes: it writes -oN (text), -oX (xml), -oG (grep) and -oJ (json) FILE, and csv or ndjson with -f FORMAT -o FILE`;
    }
    // nmap's own getopt misreads these glued (-iLfile opened "Lfile"); -e, -g, -D and -iR are refused by what they ask for.
    const refusedGlued = /^(-iR|-[egD])./.exec(a);
    if (refusedGlued !== null) return `${refusedGlued[1]} ${NMAP_REFUSED[refusedGlued[1]!]}`;
    if (/^-iL./.test(a)) return `-iL takes its file apart: -iL ${quote(a.slice(3))}`;
    // Last: nmap's own words above come first (-Th is no timing template, -PnV host discovery: helper 31).
    const stray = strayLetters(a);
    if (stray !== null) return stray;
  }
  return null;
}

/**
 * A subcommand among a scan's targets (`127.0.0.1 -p80 help` printed the
 * help; `127.0.0.1 status` looked "status" up in DNS), or one mistyped as the
 * first target after options (`-p80 statsu`): only the first word was
 * checked. A mistyped one after a target is a host (`127.0.0.1 Resume`).
 * Values of options are skipped.
 */
function laterCommand(argv: readonly string[]): string | null {
  let first = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-')) {
      if (takesNextValue(a)) i++;
      continue;
    }
    if ((COMMANDS as readonly string[]).includes(a)) return `'${a}' is a command: give it first (shardscan ${a} …); to scan a host of that name, write it with a trailing dot: '${a}.'`;
    const typo = first ? commandTypo(a) : null;
    if (typo !== null) return typo;
    first = false;
  }
  return null;
}

/** What merge and validate take (their --help), as normalizeArgv passes them on. */
const SHARD_COMMAND_OPTIONS = {
  merge: new Set(['-f', '--format', '-o', '--output', '--nmap-report', '--allow-partial', '--states', '--open', '-q', '--quiet', '--summary-json', '-h', '--help', '-V', '--version']),
  validate: new Set(['-h', '--help', '-V', '--version']),
};

/** Options of merge and status alone: not a scan's, so not "fixed by the manifest" for resume. */
const MERGE_OR_STATUS = new Set(['--allow-partial', '--json']);
const RESUME_FIXED = "a resume keeps its scan's targets, ports, states, shard, seed and timing (the shard directory's manifest; start a new scan to change them), and takes only -w, -c, --rate, --host-rate, --max-time, -S, -f, -o, -oN/-oX/-oG/-oJ FILE, -oA BASE, -q, --summary-json and --metrics";

/**
 * yargs' "Unknown arguments: min-rate, minRate" as a user typed it: "unknown
 * option --min-rate". The camel-case twin yargs adds is dropped; a name that
 * was not typed as an option (an extra positional) is quoted as it came.
 * Also: "Not enough non-option arguments" for merge and validate.
 */
export function unknownMessage(msg: string, argv: readonly string[], typedArgv: readonly string[] = argv): string {
  const command = argv.find((a) => !a.startsWith('-'));
  if (/^Not enough non-option arguments/.test(msg) && (command === 'merge' || command === 'validate')) {
    // An option the command does not take, before the directories, took the first one as its value (validate -q d).
    const stray = beforeDashes(argv).find((a) => /^-./.test(a) && !SHARD_COMMAND_OPTIONS[command].has(a.split('=')[0]!));
    if (stray !== undefined) return `unknown option ${stray.split('=')[0]}`;
    return `${command} needs the shard directories, e.g. shardscan ${command} scan-1 scan-2`;
  }
  const m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (!m) return msg;
  const names = m[1]!.split(', ');
  const options: string[] = [];
  const others: string[] = [];
  const typed = (o: string): boolean => argv.some((a) => a === o || a.startsWith(`${o}=`));
  for (const n of names) {
    if (/[A-Z]/.test(n) && names.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))) continue;
    const long = `--${n}`;
    // normalizeArgv's spelling of -oX FILE: named as typed.
    if (long === '--nmap-report') {
      for (const a of argv) if (a.startsWith(`${long}=`)) options.push(a.slice(long.length + 1, a.indexOf(':')));
    } else if (typed(long)) options.push(long);
    else if (typed(`--no-${n}`)) options.push(`--no-${n}`);
    // A short option as typed, or glued to its value (normalizeArgv's -p=80 for -p80: it was "unexpected argument 'p'").
    else if (argv.includes(`-${n}`) || argv.some((a) => a.startsWith(`-${n}=`))) options.push(`-${n}`);
    // A letter of a cluster; named with the cluster when that holds no other unknown letter (-zz, -qz: "unknown option -z").
    else if (n.length === 1 && argv.some((a) => /^-[A-Za-z]+$/.test(a) && a.includes(n))) {
      const cluster = argv.find((a) => /^-[A-Za-z]+$/.test(a) && a.includes(n))!;
      options.push([...new Set(cluster.slice(1))].filter((c) => names.includes(c)).length === 1 ? `-${n} in ${cluster}` : `-${n}`);
    }
    else others.push(`'${quote(n)}'`);
  }
  const parts: string[] = [];
  const named = options.map((o) => (o.startsWith('--') ? asTyped(o, typedArgv) : o));
  // resume takes a few options; the others are its scan's, fixed in the manifest: "unknown option" alone said nothing of that.
  const fixed = command === 'resume' && options.some((o) => o === '-p' || o === '-y' || (o.startsWith('--') && isLongOption(o.slice(2)) && !MERGE_OR_STATUS.has(o)));
  // masscan's and RustScan's: what to give instead (-b 4500 was a bare "unknown option -b").
  // Only an option typed as itself: -x of a cluster -xz is no RustScan option.
  const hints = options.filter((o) => Object.hasOwn(FOREIGN_HINTS, o) && argv.some((a) => a === o || a.startsWith(`${o}=`))).map((o) => `${o}: ${FOREIGN_HINTS[o]}`);
  if (options.length > 0) parts.push(`unknown ${options.length === 1 ? 'option' : 'options'} ${named.join(', ')}${fixed ? ` for resume: ${RESUME_FIXED}` : ''}${hints.length > 0 ? ` (${hints.join('; ')})` : ''}`);
  if (others.length > 0) parts.push(`unexpected ${others.length === 1 ? 'argument' : 'arguments'} ${others.join(', ')}`);
  return parts.join('; ');
}
