/**
 * The CLI's flags, as scan()'s options spell them. Setup errors are shared
 * with the CLI and name its flags ("drop -6 to scan both families",
 * "--source-address 10.0.0.1 is not an address of this machine"); a library
 * caller wrote `family: 6` or `sourceAddress`, so scan() adds those names.
 */
import { ShardscanError } from './errors.js';

/** Flag → option key (with the value where the flag stands for one). */
const OPTION_OF: Readonly<Record<string, string>> = Object.freeze({
  '-4': 'family: 4',
  '-6': 'family: 6',
  '--family': 'family',
  '--source-address': 'sourceAddress',
  '--shard': 'shard',
  '--seed': 'seed',
  '--order': 'order',
  '--banners': 'banners',
  '--banner-timeout': 'bannerTimeoutMs',
  '--banner-concurrency': 'bannerConcurrency',
  '--states': 'states',
  '--max-time': 'maxTimeSec',
  '--host-timeout': 'hostTimeoutMs',
  '--timeout': 'timeoutMs',
  '--initial-rtt-timeout': 'initialRttTimeoutMs',
  '--min-rtt-timeout': 'minRttTimeoutMs',
  '--max-rtt-timeout': 'maxRttTimeoutMs',
  '--retries': 'retries',
  '--rate': 'rate',
  '--host-rate': 'hostRate',
  '--concurrency': 'concurrency',
  '--workers': 'workers',
  '--engine': 'engine',
  '--chunk-size': 'chunkSize',
  '--top-ports': 'topPorts',
  '--exclude-ports': 'excludePorts',
  '--exclude': 'exclude',
  '--exclude-file': 'excludeFile',
  '-iL': 'inputFile',
  '--blocklist': 'blocklist',
  '--no-blocklist': 'blocklist: false',
  '--yes': 'yes',
  '-p': 'ports',
  '-p-': "ports: '-'",
  '-F': 'topPorts: 100',
});

// A flag standing alone: not the "-6" of "1-6" or "IPv6", nor a longer flag's head.
const FLAG = /(?<![\w-])(--[a-z][a-z-]*[a-z]|-[46F]|-iL|-p-|-p)(?![\w-])/g;

/**
 * The error, its message followed by the option keys of the flags it names,
 * e.g. "... drop -6 to scan both families (scan()'s options: -6 is family: 6)".
 * Its class and code stay (callers match codes, not prose).
 */
export function inApiSpelling(err: unknown): unknown {
  if (!(err instanceof ShardscanError)) return err;
  err.message = textInApiSpelling(err.message);
  return err;
}

/**
 * A message or note, followed by the option keys of the flags it names (as the CLI says it: nothing else changes but
 * the one note that named a config file scan() never read: its `resolved` option is that file's key, helper 13).
 */
export function textInApiSpelling(cli: string): string {
  const text = cli.replace(`taken from the config file's "resolved"`, 'taken from the "resolved" option');
  const named = new Map<string, string>();
  for (const m of text.matchAll(FLAG)) {
    const key = OPTION_OF[m[1]!];
    if (key !== undefined) named.set(m[1]!, key);
  }
  if (named.size === 0) return text;
  return `${text} (scan()'s options: ${[...named].map(([flag, key]) => `${flag} is ${key}`).join(', ')})`;
}
