/**
 * The command line's vocabulary that is read before yargs: which options take
 * no value, and the nmap (and masscan) spellings shardscan maps, ignores or
 * refuses. One table for normalizeArgv (options.ts) and for the early pool
 * guess (early.ts), which runs before anything else is loaded: no imports.
 */

/** Our options that take no value (`--no-…` never takes one either). */
const NO_VALUE = new Set(['-q', '--quiet', '-y', '--yes', '--banners', '--open', '--allow-partial', '--json', '-h', '--help', '-V', '--version']);

/** nmap options that say what shardscan does anyway: connect scans (-sT), no ping (-Pn), no reverse DNS (-n), its normal timing or faster (-T3 to -T5), -v (the summary is always there), --reason (every record has one) and --randomize-hosts (the order is random). */
export const NMAP_IGNORED = new Set(['-sT', '-Pn', '-n', '-T3', '-T4', '-T5', '-v', '-vv', '--reason', '--randomize-hosts']);
/** nmap (and masscan) options with another name here (a value, if any, follows as usual). */
export const NMAP_RENAMED: Readonly<Record<string, string>> = { '-iL': '--input-file', '--excludefile': '--exclude-file', '--max-rate': '--rate', '--max-retries': '--retries', '--max-parallelism': '--concurrency', '--adapter-ip': '--source-address', '--source-ip': '--source-address', '--includefile': '--input-file', '--open-only': '--open' };
/** nmap (and masscan) options that are one of ours with a value. */
export const NMAP_EXPANDED: Readonly<Record<string, string>> = { '-sV': '--banners', '-4': '--family=4', '-6': '--family=6', '-F': '--top-ports=100', '-r': '--order=serial' };

const RAW_PACKETS = 'shapes raw packets, which a connect scan cannot do (the kernel writes every packet)';
const OS_DETECTION = 'asks for OS detection, which a connect scanner cannot do; for services and versions, use --banners (nmap -sV)';
const HOST_GROUPS = 'sizes nmap\'s host groups; shardscan has none: every host and port is in one random walk (cap it with --concurrency N)';
/** nmap -sV's intensity (0 to 9; --version-light is 2, --version-all 9): how many of its probes a port gets. */
const VERSION_LEVELS = 'sets how many of nmap\'s -sV probes a port gets; shardscan has no intensity levels: --banners (-sV) reads every open port with its whole probe list, within --banner-timeout (shorten that for a quicker read)';
const SOURCE = 'picks the source interface or port; a connect scan leaves them to the kernel (the address: --source-address ADDR, nmap -S)';
/** nmap options shardscan cannot honour, with why (argvRefusal says it in one line). */
export const NMAP_REFUSED: Readonly<Record<string, string>> = {
  '-O': OS_DETECTION,
  '-A': OS_DETECTION,
  '-iR': 'picks random addresses on the Internet; shardscan scans only the targets you name',
  '--min-rate': 'puts a floor under the pace; shardscan has none: it sends as fast as its window allows and slows down only when the network drops probes (widen the window with --concurrency N, cap the pace with --rate N)',
  '--min-parallelism': 'sets a floor under the probes in flight; shardscan\'s window starts as wide as the descriptor budget allows (cap it with --concurrency N)',
  '--scan-delay': 'spaces out probes; pace shardscan with --rate N or --host-rate N (probes per second)',
  '--max-scan-delay': 'bounds nmap\'s probe spacing; pace shardscan with --rate N or --host-rate N (probes per second)',
  '-e': SOURCE,
  '-g': SOURCE,
  '--source-port': SOURCE,
  '--ttl': RAW_PACKETS,
  '--data-length': RAW_PACKETS,
  '--badsum': RAW_PACKETS,
  '--mtu': RAW_PACKETS,
  '-D': RAW_PACKETS,
  '--spoof-mac': RAW_PACKETS,
  '--ip-options': RAW_PACKETS,
  '--adapter': SOURCE,
  '--adapter-mac': RAW_PACKETS,
  '--router-mac': RAW_PACKETS,
  '--script': 'runs nmap\'s NSE scripts; for services and versions, use --banners (nmap -sV)',
  '-sC': 'runs nmap\'s default NSE scripts; for services and versions, use --banners (nmap -sV)',
  '--version-intensity': VERSION_LEVELS,
  '--version-light': VERSION_LEVELS,
  '--version-all': VERSION_LEVELS,
  '--version-trace': 'traces nmap\'s -sV probes; shardscan prints no probe trace: --banners (-sV) puts what it read (service, product, version) in each open port\'s record',
  '--resume': 'reads an nmap log; shardscan continues from its shard directory: shardscan resume DIR (shardscan status lists them)',
  '--stats-every': 'prints nmap\'s progress; shardscan shows its progress on stderr when that is a terminal, and --metrics HOST:PORT serves it',
  '--min-hostgroup': HOST_GROUPS,
  '--max-hostgroup': HOST_GROUPS,
};
/**
 * masscan's and RustScan's options that shardscan does not take, with what to
 * give instead: they were a bare "unknown option" (unknownMessage adds this).
 */
const ADDRESSES = "RustScan's addresses are targets here: shardscan ADDR …";
const BATCH = "RustScan's batch size is --concurrency N here";
const EXCLUDED = "RustScan's excluded addresses are --exclude LIST here";
export const FOREIGN_HINTS: Readonly<Record<string, string>> = {
  '-a': ADDRESSES,
  '--addresses': ADDRESSES,
  '-b': BATCH,
  '--batch-size': BATCH,
  '--ulimit': 'shardscan reads ulimit -n itself and sizes its window to it: raise it with ulimit -n; --concurrency N caps it',
  '-t': "RustScan's -t MS is --timeout MS here (milliseconds too)",
  '--scan-order': "RustScan's --scan-order is --order serial|random here",
  '--tries': "RustScan's --tries N is --retries N-1 here",
  '--top': "RustScan's --top is the default here (nmap's 1,000 most common ports; --top-ports N)",
  '--greppable': 'grepable output is -f grep, or -oG FILE',
  '-x': EXCLUDED,
  '--exclude-addresses': EXCLUDED,
  '--range': "masscan's --range is a target here: shardscan 127.0.0.0/24 …",
  '--conf': "masscan's config file is --config FILE here (JSON)",
  '--connection-timeout': "masscan's --connection-timeout SEC is --banner-timeout Ns here",
  '--wait': 'a connect scan waits for each probe\'s own timeout; nothing is left to wait for after the last (--timeout sets it)',
  '--output-format': '-f FORMAT here',
  '--output-filename': '-o FILE here',
};

/** nmap's timing template names: -Tinsane is -T5. */
export const NMAP_TEMPLATES: Readonly<Record<string, string>> = { paranoid: '0', sneaky: '1', polite: '2', normal: '3', aggressive: '4', insane: '5' };

/** nmap's report options (and masscan's -oJ, which writes our json document, not masscan's array): -oX FILE writes an xml report to FILE (see reportsOf in options.ts). */
export const NMAP_OUTPUT: Readonly<Record<string, string>> = { '-oN': 'text', '-oX': 'xml', '-oG': 'grep', '-oJ': 'json' };

/**
 * -o followed by a letter of nmap's reports (or our J), or of masscan's (L, B,
 * D, U, H), alone or glued to a file: an option, not `-o FILE` glued. nmap
 * writes its normal output to Report.txt for -oReport.txt, and refuses -oNfoo
 * ("Did you mean: -oN foo"). masscan's letters glued (-oLscan.txt,
 * -oD=scan.ndjson, as shardscan takes -oX=FILE) wrote a text report to a file
 * named Lscan.txt or D=scan.ndjson, exit 0; they are refused as -oL FILE is.
 */
export const isReportLetter = (arg: string): boolean => /^-o[A-Z]$|^-o[NXGJASMLBDUH]./.test(arg);

/** nmap's -v repeated for more verbosity (-vvv) or with a level (-v3), like -v: ignored. */
export const isVerbose = (option: string): boolean => /^-v+$|^-v\d+$/.test(option);

/** Our short options that take a value: -p, -S, -f, -o, -c, -w (and the switches -q, -y that may come clustered before them). */
const VALUED = 'pSfocw';
const GLUED = new RegExp(`^-[${VALUED}][^=]`);
const CLUSTER = new RegExp(`^-([qy]+)([${VALUED}].*)$`);
/** An empty value after =: -p=, -o=. */
export const EMPTY_GLUED = new RegExp(`^-[${VALUED}]=$`);

/**
 * A short option with its value glued on, as getopt reads it (-p80, -fcsv,
 * -oReport.txt); not nmap's report options (-oX, -oXfile: isReportLetter)
 * nor its long options after one dash (-open: dashRefusal).
 */
export const isGlued = (arg: string): boolean => GLUED.test(arg) && !isReportLetter(arg) && dashRefusal(arg) === null;

/** Whether the argument after this option, as typed, is its value: not for a switch, nor a value given with = or glued (-p80, -fcsv, -qfcsv, -T4). */
export function takesNextValue(option: string): boolean {
  const parts = switchCluster(option);
  if (parts.length > 1) return takesNextValue(parts.at(-1)!); // -np 80: the -p of the cluster takes it
  return !option.includes('=') && !takesNoValue(option) && !isGlued(option) && !/^-T./.test(option) && !CLUSTER.test(option);
}

/** Whether an option, as typed, takes no value (so the next argument is not its value). */
export function takesNoValue(option: string): boolean {
  return NO_VALUE.has(option) || NMAP_IGNORED.has(option) || isVerbose(option) || /^-s[A-Za-z]+$/.test(option) || option in NMAP_EXPANDED || option === '-p-' || option.startsWith('--no-');
}

/**
 * nmap reads the letters after -s one by one: -sTV is -sT -sV, -sSU is -sS -sU.
 * Split so each is mapped, ignored or refused on its own; anything else as it is.
 */
export function scanTypeLetters(arg: string): string[] {
  // nmap's one-dash long options (-script, -spoof-mac) are judged whole by dashRefusal.
  return /^-s[A-Za-z]{2,}$/.test(arg) && dashRefusal(arg) === null ? [...arg.slice(2)].map((c) => `-s${c}`) : [arg];
}

/**
 * nmap's switches (-n, -F, -r, -4, -6) and ours (-q, -y) clustered, as
 * getopt reads them: -nF is -n -F, -nPn is -n -Pn, -nsT is -n -sT, -np80 is
 * -n -p80 (they were "unknown options -n, -F"), -nv and -nvv are -n -v and
 * -n -vv, -nS127.0.0.1, -nfcsv, -nw2 and -nc100 give their value (they were
 * "unknown options -n, -v" and "unexpected arguments '1', '2', '7', 'n'"),
 * and a bad one is refused by the option's own check (-nfcvs: bad --format).
 * Only before nmap's -P, -s, -T, -p, -v, or -S, -f, -c, -w (not -o: -nofile
 * may be a long option mistyped, never a file): anything else after them is
 * left whole, to be refused as typed (and -qy to yargs, which reads it).
 */
const NMAP_CLUSTER = /^-([nqyFr46]+)(P.+|T.+|s[A-Za-z]+|p.*|v+|v\d+|[Sfcw].+)?$/;

/**
 * Switches clustered before a short option with a glued value, as getopt
 * reads them: -qfcsv is -q -fcsv, -qyS127.0.0.1 is -q -y -S127.0.0.1; and
 * nmap's (NMAP_CLUSTER).
 */
export function switchCluster(arg: string): string[] {
  if (dashRefusal(arg) !== null) return [arg];
  const n = NMAP_CLUSTER.exec(arg);
  if (n !== null && (n[2] !== undefined || (n[1]!.length > 1 && /[nFr46]/.test(n[1]!)))) return [...[...n[1]!].map((c) => `-${c}`), ...(n[2] === undefined ? [] : [`-${n[2]}`])];
  const m = CLUSTER.exec(arg);
  return m === null ? [arg] : [...[...m[1]!].map((c) => `-${c}`), `-${m[2]}`];
}

/**
 * nmap's file options as its getopt_long_only also takes them: -oN=FILE,
 * --oN FILE and --oN=FILE are -oN FILE (and -oX, -oG, -oJ, -oA, -iL), split
 * so here before anything else reads the command line. -oN=x was refused
 * with "takes its file apart: -oN =x", a name nmap would not have written;
 * --oN was an unknown option. Words after `--` are left as they are.
 */
export function fileOptionsApart(typed: readonly string[]): string[] {
  const stop = typed.indexOf('--');
  const out: string[] = [];
  for (const [i, a] of typed.entries()) {
    const m = stop >= 0 && i >= stop ? null : /^-(-?)(o[NXGJA]|iL)(?:=([^]*))?$/.exec(a);
    if (m === null || (m[1] === '' && m[3] === undefined)) out.push(a);
    else out.push(`-${m[2]}`, ...(m[3] === undefined ? [] : [m[3]]));
  }
  return out;
}

/** The subcommands (the first word; anything else there is a target). */
export const COMMANDS = ['resume', 'merge', 'status', 'validate', 'help'] as const;

/**
 * Options before a subcommand (`-q status`, `-f csv merge d`): the command is
 * moved first, where yargs looks for it. yargs found it after some options
 * and not after others: `-q status` looked the host "status" up in DNS.
 */
export function commandFirst(typed: readonly string[]): readonly string[] {
  for (let i = 0; i < typed.length; i++) {
    const a = typed[i]!;
    if (a === '--') return typed;
    if (a.startsWith('-') && a !== '-') {
      if (takesNextValue(a)) i++;
      continue;
    }
    if (i === 0 || !(COMMANDS as readonly string[]).includes(a)) return typed;
    return [a, ...typed.slice(0, i), ...typed.slice(i + 1)];
  }
  return typed;
}

/**
 * A first word that is a subcommand mistyped (`Resume`, `stauts`, `merg`):
 * it was taken for a host name and looked up in DNS, so a typo could scan
 * whatever that name resolved to. A subcommand in another case, or one letter
 * added, dropped or swapped with its neighbour (also one changed, for the
 * names longer than five letters: "serge" or "hemp" may well be hosts; help
 * only in another case), with no dot: refused, with the way to scan a host of
 * that name (a trailing dot, which DNS reads the same).
 */
export function commandTypo(word: string | undefined): string | null {
  if (word === undefined || word.startsWith('-') || word.includes('.') || (COMMANDS as readonly string[]).includes(word)) return null;
  const lower = word.toLowerCase();
  const meant = COMMANDS.find((c) => lower === c || (c !== 'help' && oneEditApart(lower, c, c.length > 5)));
  return meant === undefined ? null : `'${word}' is not a command: did you mean '${meant}'? (To scan a host of that name, write it with a trailing dot: '${word}.')`;
}

/** One insertion, deletion, swap of neighbouring letters or (if `change`) substitution apart. */
function oneEditApart(a: string, b: string, change: boolean): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, n: number): string => x.slice(i + n);
  return (
    (change && rest(a, 1) === rest(b, 1)) || // substitution
    rest(a, 1) === rest(b, 0) || // a has one more
    rest(a, 0) === rest(b, 1) || // b has one more
    (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, 2) === rest(b, 2)) // swap
  );
}

/**
 * Every long option of every command (--help keeps this list honest: see
 * test/cli-dashes.test.ts), and nmap's long spellings from the tables above.
 */
const LONG_OPTIONS = new Set([
  ...['allow-partial', 'banner-concurrency', 'banner-timeout', 'banners', 'blocklist', 'chunk-size', 'concurrency', 'config', 'engine', 'exclude', 'exclude-file', 'exclude-ports', 'family'],
  ...['format', 'help', 'host-rate', 'host-timeout', 'initial-rtt-timeout', 'input-file', 'json', 'max-rtt-timeout', 'max-time', 'metrics', 'min-rtt-timeout', 'open', 'order', 'out-dir'],
  ...['output', 'ports', 'quiet', 'rate', 'retries', 'seed', 'shard', 'source-address', 'states', 'summary-json', 'timeout', 'top-ports', 'version', 'workers', 'yes'],
  ...[...Object.keys(NMAP_RENAMED), ...Object.keys(NMAP_REFUSED), ...NMAP_IGNORED].filter((o) => o.startsWith('--')).map((o) => o.slice(2)),
]);

/** Whether `--name` is a long option of some command (or an nmap spelling shardscan maps). */
export const isLongOption = (name: string): boolean => LONG_OPTIONS.has(name);

/**
 * How the user typed an option that normalizeArgv renamed or expanded: -iL
 * for --input-file, -F for --top-ports, masscan's --includefile; `long` when
 * it was typed as it is.
 */
export function asTyped(long: string, typed: readonly string[]): string {
  if (typed.some((a) => a === long || a.startsWith(`${long}=`))) return long;
  const alias = typed.find((a) => NMAP_RENAMED[a] === long || NMAP_EXPANDED[a]?.split('=')[0] === long || (a === '-p-' && long === '--ports'));
  return alias ?? long;
}

/**
 * nmap's long options shardscan has no word for (nmap.cc's long_options): after
 * one dash, as nmap takes them, they were read as a short option with a glued
 * value: -osscan-guess wrote a report named "sscan-guess".
 */
const NMAP_ONLY = new Set([
  ...['allports', 'append-output', 'datadir', 'debug', 'defeat-icmp-ratelimit', 'defeat-rst-ratelimit', 'deprecated-xml-osclass', 'disable-arp-ping', 'discovery-ignore-rst', 'dns-servers'],
  ...['fuzzy', 'iflist', 'log-errors', 'max-os-tries', 'noninteractive', 'nsock-engine', 'osscan-guess', 'osscan-limit', 'packet-trace', 'port-ratio', 'privileged', 'proxies', 'proxy'],
  ...['release-memory', 'resolve-all', 'route-dst', 'scanflags', 'script-args', 'script-args-file', 'script-help', 'script-timeout', 'script-trace', 'script-updatedb', 'send-eth', 'send-ip'],
  ...['servicedb', 'spoof-mac', 'stylesheet', 'no-stylesheet', 'system-dns', 'thc', 'traceroute', 'unique', 'unprivileged', 'verbose'],
  ...['versiondb', 'webxml', 'data', 'data-string', 'timing'],
]);

/**
 * An option typed with a dash too many or too few, said in one line, or null.
 * `---max-time 5` reached yargs as an option of its own, which some options
 * took without their checks (an internal error, or a file named by the value)
 * and others dropped without a word. nmap takes long options after one dash
 * (`-top-ports 10`, `-open`), which yargs split into short ones and answered
 * "unexpected argument 't'".
 */
export function dashRefusal(arg: string): string | null {
  if (arg.startsWith('---')) return `${arg.split('=')[0]} is not an option: options take one dash (-p) or two (--ports)`;
  const m = /^-([a-z][a-z-]{2,})(=.*)?$/.exec(arg);
  if (m === null) return null;
  const long = `--${m[1]}`;
  if (Object.hasOwn(NMAP_REFUSED, long)) return `-${m[1]} (nmap's ${long}) ${NMAP_REFUSED[long]}`;
  if (NMAP_ONLY.has(m[1]!)) return `-${m[1]} is nmap's ${long}, which shardscan does not have (see shardscan --help)`;
  if (!LONG_OPTIONS.has(m[1]!)) return null;
  return `-${m[1]} is not an option: long options take two dashes here (nmap takes one): ${long}`;
}

/**
 * `help COMMAND` as `COMMAND --help`; anything else after help is refused
 * (argvRefusal): it went on as a scan of host names, so `help resume` looked
 * up "help" and "resume" in DNS.
 */
export function helpArgv(typed: readonly string[]): readonly string[] {
  const command = typed[1];
  return typed[0] === 'help' && typed.length === 2 && command !== 'help' && (COMMANDS as readonly string[]).includes(command!) ? [command!, '--help'] : typed;
}
