/**
 * The command line's vocabulary that is read before yargs: which options take
 * no value, and the nmap (and masscan) spellings shardscan maps, ignores or
 * refuses. One table for normalizeArgv (options.ts) and for the early pool
 * guess (early.ts), which runs before anything else is loaded: no imports.
 */

/** Our options that take no value (`--no-…` never takes one either). */
const NO_VALUE = new Set(['-q', '--quiet', '-y', '--yes', '--banners', '--allow-partial', '--json', '-h', '--help', '--version']);

/** nmap options that say what shardscan does anyway: connect scans (-sT), no ping (-Pn), no reverse DNS (-n), IPv6 without a switch (-6), its normal timing or faster (-T3 to -T5), -v (the summary is always there) and --reason (every record has one). */
export const NMAP_IGNORED = new Set(['-sT', '-Pn', '-n', '-6', '-T3', '-T4', '-T5', '-v', '-vv', '--reason']);
/** nmap options with another name here (a value, if any, follows as usual). */
export const NMAP_RENAMED: Readonly<Record<string, string>> = { '-iL': '--input-file', '--excludefile': '--exclude-file', '--max-rate': '--rate', '--max-retries': '--retries', '--max-parallelism': '--concurrency' };
/** nmap options that are one of ours with a value. */
export const NMAP_EXPANDED: Readonly<Record<string, string>> = { '-sV': '--banners', '--open': '--states=open', '-F': '--top-ports=100' };
/** nmap's report options (and masscan's -oJ): -oX FILE is -f xml -o FILE. */
export const NMAP_OUTPUT: Readonly<Record<string, string>> = { '-oN': 'text', '-oX': 'xml', '-oG': 'grep', '-oJ': 'json' };

/** Whether an option, as typed, takes no value (so the next argument is not its value). */
export function takesNoValue(option: string): boolean {
  return NO_VALUE.has(option) || NMAP_IGNORED.has(option) || option in NMAP_EXPANDED || option === '-p-' || option.startsWith('--no-');
}
