/**
 * Options → a frozen, validated ScanConfig. Precedence, lowest first:
 * built-in defaults, the tuning saved by `npm run bench -- --save`, a --config
 * file, then command-line flags. Every adjustment is explained in `notes`.
 */
import { MAX_SMALL_FILE_BYTES, isStdinTerminal, readProblem, readTextCapped, utf16Why } from '../files.js';
import { ShardscanError, errnoCode, jsonProblem, messageOf, quote } from '../errors.js';
import { duplicateKey, lineAndColumn } from '../json-where.js';
import { describeErrors, schemaDocument, validator } from '../schemas.js';
import type { ProbeEngine, ScanOrder } from '../model/scan.js';
import type { PortState } from '../model/states.js';
import { PORTS_AND_TOP_PORTS } from '../ports/parse.js';
import { parseIPv4, parseIPv6 } from '../targets/ip.js';
import type { ShardSpec } from '../shard/plan.js';
import { SORTED_REPORT_FDS, connectFds, cores, fdLimit, maxConcurrency, sortedReports } from './limits.js';
import { type Tuning, loadTuning } from './tuning.js';

export type OutputFormat = 'text' | 'json' | 'ndjson' | 'csv' | 'grep' | 'xml';
/** A report besides the main one: its format and its file (never stdout: the main report has it). */
export interface ExtraReport {
  format: OutputFormat;
  output: string;
}

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'ndjson', 'csv', 'grep', 'xml'];

/** Everything that defines a scan. Stored whole in manifest.json. */
export interface ScanConfig {
  targets: readonly string[];
  inputFile: string | null;
  exclude: readonly string[];
  excludeFile: string | null;
  resolved: Record<string, string>;
  ports: string | null;
  topPorts: number | null;
  excludePorts: string | null;
  /** The ceiling of every per-attempt timeout. */
  timeoutMs: number;
  /** Timeout before any round trip was measured. */
  initialRttTimeoutMs: number;
  minRttTimeoutMs: number;
  /** Upper bound of the adaptive timeout; null = --timeout. */
  maxRttTimeoutMs: number | null;
  /** Give up on a host this long after its first probe; null = never. */
  hostTimeoutMs: number | null;
  /** Most retries after a timeout; how many are used depends on what retries achieve. */
  retries: number;
  /** Read open ports to tell the service, product and version (--banners, -sV). */
  banners: boolean;
  /** The grep and xml reports leave out hosts with no shown port (--open, as nmap --open does). */
  openHostsOnly: boolean;
  /** Only this address family (nmap -4, -6): names resolve to it, targets of the other are refused; null = both. */
  family: 4 | 6 | null;
  /** The whole budget for reading one open port, ms. */
  bannerTimeoutMs: number;
  /** Open ports read at once, all workers together. */
  bannerConcurrency: number;
  concurrency: number;
  workers: number;
  order: ScanOrder;
  seed: number;
  shard: ShardSpec;
  rate: number;
  hostRate: number;
  engine: ProbeEngine;
  format: OutputFormat;
  output: string | null;
  /** More reports of the same records, each in its own file (nmap -oA, or -oX FILE -oG FILE); written whole like the main one. */
  extraReports: ExtraReport[];
  states: readonly PortState[];
  outDir: string | null;
  chunkSize: number | null;
  maxTimeSec: number | null;
  /** Ranges never scanned: true = the built-in list (data/blocklist.tsv), false = none, a path = that file. */
  blocklist: boolean | string;
  /** Confirms a scan of more than 2^24 addresses outside loopback, or of 0.0.0.0/0 (--yes). */
  yes: boolean;
  /** Local address every connect is bound to (--source-address, nmap -S); null: the kernel picks. */
  sourceAddress: string | null;
}

/**
 * The default window is as wide as the file-descriptor budget allows, up to
 * this: a network with a long round trip needs thousands of attempts in flight
 * (10,000 ports at 200 ms take one round trip with a window of 10,000 and 40
 * with 256), and congestion control narrows it where answers get lost. On
 * loopback the loop starts 16 attempts a turn whatever the window, so a wide
 * one costs nothing there.
 */
export const DEFAULT_CONCURRENCY = 16_384;

/** Built-in defaults for everything but targets, workers, concurrency and seed (machine- or run-specific). */
export const BASE_DEFAULTS = {
  inputFile: null,
  exclude: [],
  excludeFile: null,
  resolved: {},
  ports: null,
  topPorts: null,
  excludePorts: null,
  timeoutMs: 3000,
  initialRttTimeoutMs: 1000,
  minRttTimeoutMs: 100,
  maxRttTimeoutMs: null,
  hostTimeoutMs: null,
  retries: 10,
  banners: false,
  openHostsOnly: false,
  family: null,
  bannerTimeoutMs: 3000,
  bannerConcurrency: 256,
  order: 'random',
  shard: { index: 1, total: 1 },
  rate: 0,
  hostRate: 0,
  engine: 'handle',
  format: 'text',
  output: null,
  extraReports: [],
  states: ['open'],
  outDir: null,
  chunkSize: null,
  maxTimeSec: null,
  blocklist: true,
  yes: false,
  sourceAddress: null,
} as const satisfies Partial<ScanConfig>;

/** Where each default came from, for the CLI to say. */
export interface ConfigResult {
  config: Readonly<ScanConfig>;
  /** Human notes: where defaults came from, limits applied. */
  notes: string[];
  /** True when the seed was chosen at random (not given). */
  randomSeed: boolean;
  /** True when the window is the built-in default, as wide as this machine's descriptor limit allows (not given, not tuned). */
  defaultWindow: boolean;
}

/** Check a partial config (from a file, the API, or the CLI) against schemas/config.schema.json. */
export function checkConfig(partial: unknown, source: string): Partial<ScanConfig> {
  const validate = validator('config');
  if (!validate(partial)) {
    const e = validate.errors?.[0];
    const key = e?.keyword === 'additionalProperties' && e.instancePath === '' ? String((e.params as { additionalProperty: string }).additionalProperty) : null;
    const near = key === null ? null : nearestConfigKey(key);
    throw new ShardscanError('E_CONFIG', `${source}: ${describeErrors(validate.errors)}${near ? ` (did you mean '${near}'?)` : ''}`);
  }
  return partial as Partial<ScanConfig>;
}

/**
 * The config key a mistyped one most likely meant: the flag's spelling
 * ("top-ports" → topPorts), a missing unit ("timeout" → timeoutMs, "max-time"
 * → maxTimeSec) or a missing plural ("target" → targets). Read from the
 * schema only when a key is wrong.
 */
function nearestConfigKey(key: string): string | null {
  const known = Object.keys((schemaDocument('config').properties ?? {}) as Record<string, unknown>);
  const norm = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');
  const wanted = norm(key);
  return known.find((k) => norm(k) === wanted) ?? known.find((k) => [`${wanted}ms`, `${wanted}sec`, `${wanted}s`].includes(norm(k))) ?? null;
}

/** How messages name a --config source: a file, or stdin for "-". */
export function configName(path: string): string {
  return path === '-' ? 'the config on stdin' : `config file '${quote(path)}'`;
}

/** Read and check a --config JSON file ("-": stdin, as -iL - reads it). */
export function loadConfigFile(path: string): Partial<ScanConfig> {
  const name = configName(path);
  // Reading a terminal would wait for Ctrl+D with Ctrl+C caught; "-" was a file named "-" (ENOENT).
  if (path === '-' && isStdinTerminal()) throw new ShardscanError('E_INPUT_FILE', 'cannot read the config from stdin: it is a terminal; pipe it in, e.g. shardscan --config - < scan.json');
  let text: string;
  try {
    text = readTextCapped(path === '-' ? 0 : path, MAX_SMALL_FILE_BYTES);
  } catch (err) {
    throw new ShardscanError('E_INPUT_FILE', `cannot read ${path === '-' ? 'the config from stdin' : name}: ${readProblem(err)}`);
  }
  // As lists are: a UTF-16 file was "not valid JSON: Unexpected token '\ufffd'".
  const why = utf16Why(text);
  if (why !== null) throw new ShardscanError('E_CONFIG', `${name} is UTF-16 (${why}); save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8`);
  let parsed: unknown;
  try {
    // A byte-order mark (Windows editors write one) is not JSON, but not a mistake either.
    text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ShardscanError('E_CONFIG', `${name} is not valid JSON: ${jsonProblem(err, text)}`);
  }
  // JSON.parse keeps the last of a key given twice: a second "exclude" pasted in scanned what the first left out.
  const twice = duplicateKey(text);
  if (twice !== null) {
    const at = (offset: number): string => lineAndColumn(text, offset);
    throw new ShardscanError('E_CONFIG', `${name}: ${JSON.stringify(twice.key)} is given twice (${at(twice.first)}, and ${at(twice.again)}); JSON keeps only the last: give it once`);
  }
  return checkConfig(parsed, name);
}

export interface ResolveOptions {
  /** Saved tuning; undefined = read it from the usual place, null = ignore it. */
  tuning?: Tuning | null;
  fdLimit?: number;
  /** Descriptors this process holds for others (an embedding program's files and sockets, its other scans' windows): the window leaves them. */
  heldFds?: () => number;
  cores?: number;
  /**
   * The scan runs on the calling thread (runsOnCallingThread: small, no --workers), so no worker
   * thread's descriptors are counted: ulimit -n 100 refused a 10-port scan for two workers it never started.
   */
  mainThread?: boolean;
}

/** A --source-address that is no IPv4 or IPv6 literal, refused (prepareScan checks that it is this machine's). */
export function checkSourceForm(address: string): void {
  if (parseIPv6(address) === null && parseIPv4(address) === null) {
    throw new ShardscanError('E_OPTION', `bad --source-address '${quote(address)}': give an IPv4 or IPv6 address of this machine, e.g. --source-address 127.0.0.2`);
  }
}

/** Merge defaults and the given options into a frozen ScanConfig. */
export function resolveConfig(given: Partial<ScanConfig>, opts: ResolveOptions = {}): ConfigResult {
  // Its form first: a 65-character -S met the schema's cap first, "options: /sourceAddress must NOT have more than 64 characters".
  if (typeof given.sourceAddress === 'string') checkSourceForm(given.sourceAddress);
  const partial = checkConfig(JSON.parse(JSON.stringify(given)) as unknown, 'options');
  const notes: string[] = [];
  // Not read when the flags set both values: a damaged file then refused a scan that needed nothing from it.
  const tuning = opts.tuning !== undefined ? opts.tuning : partial.workers !== undefined && partial.concurrency !== undefined ? null : loadTuning();
  // Within the flags' bounds: "workers": 300 started 300 threads and wrote a
  // manifest that validate, merge and resume then refused (workers <= 256).
  if (tuning) checkConfig({ workers: tuning.workers, concurrency: tuning.concurrency }, `tuned defaults '${tuning.source}' are damaged (delete the file or run npm run bench -- --save)`);
  const limit = opts.fdLimit ?? fdLimit();

  let workers = partial.workers;
  let concurrency = partial.concurrency;
  if (workers === undefined && tuning) {
    workers = tuning.workers;
  }
  workers ??= opts.cores ?? cores();
  if (concurrency === undefined && tuning && tuning.workers === workers) concurrency = tuning.concurrency;
  // Only what was taken from it: the note named both values when a flag had set one.
  const taken: string[] = [];
  // Not the workers of a scan on the calling thread: the note named 2 workers for a scan that said "no worker threads".
  if (tuning && partial.workers === undefined && opts.mainThread !== true) taken.push(`--workers ${tuning.workers}`);
  if (tuning && partial.concurrency === undefined && concurrency === tuning.concurrency) taken.push(`--concurrency ${tuning.concurrency}`);
  // A tuned window belongs to its worker count: with another (-w 4, or a config file's workers) it is left out, and said
  // (an audit's -w 4 over a tuning of 2 × 500 ran ~15,900 in flight with no word).
  if (tuning && partial.concurrency === undefined && tuning.workers !== workers) notes.push(`the tuned --concurrency ${tuning.concurrency} (${tuning.source}) was measured with ${tuning.workers} worker${tuning.workers === 1 ? '' : 's'}, not ${workers}: the default window is used; give --concurrency ${tuning.concurrency} to keep it`);
  if (tuning && taken.length > 0) {
    // A file copied from another machine: 64 tuned workers on 2 cores ran 4× slower than the defaults, with no word.
    const here = opts.cores ?? cores();
    const elsewhere = tuning.cores !== undefined && tuning.cores !== here ? `, on a machine with ${tuning.cores} cores where this one has ${here}: run npm run bench -- --save here` : '';
    notes.push(`defaults from ${tuning.source}: ${taken.join(' ')} (measured ${tuning.measuredAt}${elsewhere})`);
  }
  const sorted = sortedReports({ format: partial.format ?? BASE_DEFAULTS.format, extraReports: partial.extraReports });
  const reserved = sorted * SORTED_REPORT_FDS;
  // Not one descriptor per worker left for connects: the scan would crawl at a probe or two in flight, or its
  // workers fail to start (ulimit -n 22 to 32 did either, at random), so it is refused at once.
  const threads = opts.mainThread === true ? 0 : workers;
  const least = Math.max(threads, 1);
  const room = connectFds(limit, threads, reserved);
  if (room < least) {
    const need = limit - room + least;
    const scan = threads === 0 ? 'a scan on the main thread' : `a scan with ${workers} worker${workers === 1 ? '' : 's'}`;
    throw new ShardscanError('E_FD_LIMIT', `out of file descriptors: ulimit -n ${limit} leaves none for connects (${scan} needs at least ${need}); raise the limit (e.g. ulimit -n 4096) and run again`);
  }
  // Helper 22: scan() sized its window from the whole ulimit -n, and the program that called it got EMFILE on every open() while it ran.
  const held = opts.heldFds?.() ?? 0;
  const cap = maxConcurrency(limit - held, threads, reserved);
  const heldText = held > 0 ? ` less the ${held} this process already holds (its own files and sockets, other scans' windows)` : '';
  const defaultWindow = concurrency === undefined;
  concurrency ??= Math.min(DEFAULT_CONCURRENCY, cap);
  if (defaultWindow && held > 0 && cap < Math.min(DEFAULT_CONCURRENCY, maxConcurrency(limit, threads, reserved))) notes.push(`--concurrency ${cap}: the file-descriptor limit (ulimit -n ${limit})${heldText}`);
  if (concurrency > cap && !defaultWindow) {
    const what = partial.concurrency === undefined ? `the tuned concurrency ${concurrency}` : `--concurrency ${concurrency}`;
    notes.push(`${what} does not fit the file-descriptor limit (ulimit -n ${limit})${heldText}; using ${cap}. Raise ulimit -n for more.`);
    concurrency = cap;
  }
  if (concurrency < workers) {
    // A worker has at least one connect in flight: -w 2 -c 1 ran one worker, and only the summary's "workers: 1" said so.
    if (partial.workers !== undefined) notes.push(`--workers ${workers} is more than the ${concurrency} connect${concurrency === 1 ? '' : 's'} in flight --concurrency allows; using ${concurrency} worker${concurrency === 1 ? '' : 's'}`);
    workers = concurrency;
  }

  const randomSeed = partial.seed === undefined;
  const shard = partial.shard ?? BASE_DEFAULTS.shard;
  if (shard.index > shard.total) {
    throw new ShardscanError('E_OPTION', `bad shard ${shard.index}/${shard.total}: x must be at most y, e.g. --shard 2/4`);
  }
  if (shard.total > 1 && randomSeed && (partial.order ?? 'random') === 'random') {
    throw new ShardscanError('E_OPTION', `--shard ${shard.index}/${shard.total} needs --seed, the same on every machine, so the shards split one walk. Example: --shard ${shard.index}/${shard.total} --seed 42`);
  }
  const config: ScanConfig = {
    ...BASE_DEFAULTS,
    shard,
    states: [...BASE_DEFAULTS.states],
    exclude: [],
    resolved: {},
    targets: [],
    ...partial,
    workers,
    concurrency,
    // A seed orders the walk; nothing relies on it being unguessable, so not node:crypto (~8 ms of every start, see sha256.ts).
    seed: partial.seed ?? Math.floor(Math.random() * (2 ** 48 - 1)),
  };
  if (config.banners && !config.states.includes('open')) {
    throw new ShardscanError('E_OPTION', `--banners reads open ports, but --states ${config.states.join(',')} shows none. Example: --banners --states open,closed`);
  }
  // Node's timers hold at most 2^31-1 ms (24.8 days); a longer one fires at once:
  // --max-time 3000000 stopped the scan before its first probe, with exit 0.
  if (config.maxTimeSec !== null && config.maxTimeSec > MAX_TIME_SEC) {
    throw new ShardscanError('E_OPTION', `bad --max-time ${config.maxTimeSec}: at most ${MAX_TIME_SEC} seconds (24.8 days); for no limit, leave it out`);
  }
  // A slice shorter than a port's banner read cuts that read at every slice's end (a cut read is probed again on
  // resume): a silent service's read takes all of --banner-timeout, and resuming in 1 s slices never finished.
  // Said, not refused: a short --max-time also stops a scan early on purpose, before any port is open.
  if (config.banners && config.maxTimeSec !== null && config.maxTimeSec * 1000 < 2 * config.bannerTimeoutMs) {
    const least = Math.ceil((2 * config.bannerTimeoutMs) / 1000);
    notes.push(`--max-time ${config.maxTimeSec} may be too short for --banners: a slice must hold a port's connect and its whole banner read (--banner-timeout ${config.bannerTimeoutMs} ms), or each resume cuts that read again and never finishes; give --max-time ${least} or more, or a shorter --banner-timeout`);
  }
  // The same limit on the gap between two probes: --rate 0.0000001 spun a 1 ms timer instead.
  for (const [flag, value] of [['--rate', config.rate], ['--host-rate', config.hostRate]] as const) {
    // Shown as a decimal, as it is given: "bad --rate 1e-10" showed a form --rate refuses.
    if (value > 0 && value < MIN_RATE) throw new ShardscanError('E_OPTION', `bad ${flag} '${plainDecimal(value)}': give 0 (no cap) or at least ${MIN_RATE} probes per second, e.g. ${flag} 100`);
  }
  if (config.ports !== null && config.topPorts !== null) {
    throw new ShardscanError('E_PORT', PORTS_AND_TOP_PORTS);
  }
  // The timing bounds are clamped under the ceiling (pool/spec.ts timingParams); a bound given above it is said, not dropped in silence.
  // A default is not "given" (a resumed scan's manifest carries every value).
  const { maxMs: ceiling, ceilingFlag } = timeoutBounds(config);
  for (const [flag, value, byDefault] of [['--min-rtt-timeout', partial.minRttTimeoutMs, BASE_DEFAULTS.minRttTimeoutMs], ['--initial-rtt-timeout', partial.initialRttTimeoutMs, BASE_DEFAULTS.initialRttTimeoutMs]] as const) {
    if (value !== undefined && value !== byDefault && value > ceiling) notes.push(`${flag} ${value} ms is above the ${ceilingFlag} ceiling of ${ceiling} ms; using ${ceiling} ms`);
  }
  // --max-rtt-timeout 10s was cut to the 3 s default ceiling in silence (nmap's own ceiling is 10 s). The
  // ceiling is not raised for it: --timeout is part of what makes shards one scan, --max-rtt-timeout is not.
  if (partial.maxRttTimeoutMs != null && partial.maxRttTimeoutMs > config.timeoutMs) {
    notes.push(`--max-rtt-timeout ${partial.maxRttTimeoutMs} ms is above --timeout ${config.timeoutMs} ms${partial.timeoutMs === undefined ? ' (the default)' : ''}, the ceiling of every timeout; using ${config.timeoutMs} ms (give --timeout ${partial.maxRttTimeoutMs}ms too for more)`);
  }
  // A bare --banner-timeout is milliseconds: 5 (meant as masscan's seconds) cut every read, and each port read "unknown" in silence.
  if (config.banners && config.bannerTimeoutMs < 100) {
    notes.push(`--banner-timeout ${config.bannerTimeoutMs} ms is too short for most services to greet or answer a probe: their ports will read unknown (a bare number is milliseconds; for seconds give e.g. --banner-timeout ${config.bannerTimeoutMs}s)`);
  }
  // A bare --host-timeout is seconds, as in nmap: one written for an earlier shardscan in milliseconds (1800000) is now days.
  if (partial.hostTimeoutMs != null && partial.hostTimeoutMs > 86_400_000) {
    notes.push(`--host-timeout is ${(partial.hostTimeoutMs / 86_400_000).toFixed(1)} days (a bare number is seconds, as in nmap; for milliseconds give ms, e.g. --host-timeout 1800000ms; a config file's hostTimeoutMs is milliseconds)`);
  }
  return { config: deepFreeze(config), notes, randomSeed, defaultWindow };
}

/** The longest --max-time: Node's timers hold at most 2^31-1 ms. */
export const MAX_TIME_SEC = Math.floor((2 ** 31 - 1) / 1000);
/** The slowest --rate and --host-rate other than 0 (no cap): one probe per 1,000 s, a gap a timer can hold. */
export const MIN_RATE = 0.001;

/** A number as a plain decimal (1e-10 as 0.0000000001), up to 20 decimals: the form the rate flags take. */
function plainDecimal(n: number): string {
  const text = n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  return text === '0' ? `under 0.${'0'.repeat(19)}1` : text;
}

/**
 * The per-attempt timeout bounds a config gives: every bound within the
 * --timeout ceiling, min ≤ initial ≤ max, and which option sets the ceiling.
 * One place for the workers' bounds (pool/spec.ts), the notes above and the
 * nothing-answered note (cli/run.ts).
 */
export function timeoutBounds(c: Pick<ScanConfig, 'timeoutMs' | 'maxRttTimeoutMs' | 'minRttTimeoutMs' | 'initialRttTimeoutMs'>): { minMs: number; initialMs: number; maxMs: number; ceilingFlag: '--timeout' | '--max-rtt-timeout' } {
  const maxMs = Math.min(c.timeoutMs, c.maxRttTimeoutMs ?? c.timeoutMs);
  const minMs = Math.min(c.minRttTimeoutMs, maxMs);
  return { minMs, maxMs, initialMs: Math.min(maxMs, Math.max(minMs, c.initialRttTimeoutMs)), ceilingFlag: c.maxRttTimeoutMs !== null && c.maxRttTimeoutMs < c.timeoutMs ? '--max-rtt-timeout' : '--timeout' };
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
