/**
 * An error about a setting the --config file gave, said in the file's words:
 * the checks that refuse it run after the file and the flags are merged, and
 * know only the flags' names, so `{"family": 6}` was refused as "drop -6" and
 * `{"maxTimeSec": 1e9}` as "bad --max-time" to a user who typed neither, and
 * a relative "inputFile" as "cannot read target file 'targets.txt'" with no
 * word of the file it came from or where it was looked for (helper 17).
 */
import { isAbsolute } from 'node:path';
import { ShardscanError, quote } from '../errors.js';
import { type ScanConfig, configName } from '../config/index.js';

/** The command's config file: its name, the merged settings, and those whose value it gave (no flag replaced them). One command a process. */
let origin: { name: string; merged: Partial<ScanConfig>; keys: ReadonlySet<string> } | null = null;

/** Remember which of `merged`'s settings came from the config file at `path` (`fromFile`: its values, before the flags). */
export function noteConfigOrigin(merged: Partial<ScanConfig>, path: string, fromFile: Partial<ScanConfig>): void {
  const keys = Object.keys(fromFile).filter((k) => (merged as Record<string, unknown>)[k] === (fromFile as Record<string, unknown>)[k]);
  origin = { name: configName(path), merged, keys: new Set(keys) };
}

type Key = keyof ScanConfig & string;

/** A refusal of a line of the list file `key` names: it starts with the file's name as the setting gives it. */
const lineOf = (key: Key) => (message: string, merged: Partial<ScanConfig>): boolean => {
  const file = merged[key];
  return typeof file === 'string' && message.startsWith(`'${quote(file)}' line `);
};

/**
 * The errors that name a setting by its flag: the message's start (or a test), the setting, and whether it is a file
 * name; a refusal of two settings together names both (`keys`), each by the config's key when the file gave it.
 */
const BY_FLAG: ReadonlyArray<{ message: RegExp | ((message: string, merged: Partial<ScanConfig>) => boolean); key: Key; keys?: readonly Key[]; file?: boolean }> = [
  { message: /^bad --max-time /, key: 'maxTimeSec' },
  { message: /^bad --rate /, key: 'rate' },
  { message: /^bad --host-rate /, key: 'hostRate' },
  { message: /^--shard \d+\/\d+ needs --seed/, key: 'shard' },
  { message: /^-[46] scans IPv[46] only/, key: 'family' },
  { message: /^bad shard \d+\/\d+: /, key: 'shard' },
  { message: /^bad --source-address /, key: 'sourceAddress' },
  { message: /^--source-address \S+ (?:is not an address of this machine|is IPv[46], but )/, key: 'sourceAddress' },
  { message: /^cannot open --output /, key: 'output', file: true },
  { message: /^-o '.*' would write over /, key: 'output', file: true },
  { message: /^(?:cannot create --out-dir |--out-dir '.*' would write over |--out-dir \S+ already holds a )/, key: 'outDir', file: true },
  { message: /^cannot open the \w+ report /, key: 'extraReports' },
  { message: /^bad line \d+ of --blocklist file /, key: 'blocklist', file: true },
  { message: /^cannot read --blocklist file /, key: 'blocklist', file: true },
  { message: /^cannot read target file /, key: 'inputFile', file: true },
  { message: /^cannot read exclude file /, key: 'excludeFile', file: true },
  // Not `file`: the file was found; a line of it was refused (helper 23: "taken from the current directory" read as said of the host).
  { message: lineOf('inputFile'), key: 'inputFile' },
  { message: lineOf('excludeFile'), key: 'excludeFile' },
  { message: /^--banners reads open ports, but --states /, key: 'banners', keys: ['banners', 'states'] },
  { message: /^give either -p or --top-ports /, key: 'ports', keys: ['ports', 'topPorts'] },
];

/** The flag that gives each setting a combination refusal names. */
const FLAG: Partial<Record<Key, string>> = { banners: '--banners', states: '--states', ports: '-p', topPorts: '--top-ports' };

/**
 * `err` in the config file's words when it is about a setting the file gave
 * (`config file 'scan.json': "maxTimeSec": bad --max-time …`, a relative file
 * name with the directory it was taken from); else `err` as it was.
 */
export function inConfigWords(err: unknown): unknown {
  if (origin === null || !(err instanceof ShardscanError)) return err;
  const { merged, keys } = origin;
  const rule = BY_FLAG.find((r) => (typeof r.message === 'function' ? r.message(err.message, merged) : r.message.test(err.message)));
  if (rule?.keys !== undefined) {
    // "--banners reads open ports, but --states closed …" to a user who typed neither (or one): the file's keys by name, a flag beside them as typed.
    const given = rule.keys.filter((k) => keys.has(k));
    if (given.length === 0) return err;
    const typed = rule.keys.filter((k) => !keys.has(k)).map((k) => `, with ${FLAG[k]} from the command line`);
    return new ShardscanError(err.code, `${origin.name}: ${given.map((k) => `"${k}"`).join(' and ')}${typed.join('')}: ${err.message}`);
  }
  if (rule === undefined || !keys.has(rule.key)) return err;
  const value = merged[rule.key];
  const relative = rule.file === true && typeof value === 'string' && value !== '-' && !isAbsolute(value);
  const where = relative ? ` (a name in a config file is taken from the current directory, ${process.cwd()}, as on the command line)` : '';
  return new ShardscanError(err.code, `${origin.name}: "${rule.key}": ${err.message}${where}`);
}

/** Settings named together: the config file said once, after its keys (`"inputFile" and "excludeFile" (config file 'c.json')`). */
export function namedTogether(names: readonly string[], config: string | undefined): string {
  const suffix = config ? ` (${configName(config)})` : null;
  if (suffix === null || names.filter((n) => n.endsWith(suffix)).length < 2) return names.join(' and ');
  return `${names.map((n) => (n.endsWith(suffix) ? n.slice(0, -suffix.length) : n)).join(' and ')}${suffix}`;
}

/** How a refusal names a setting: by its flag when typed (or with no config file), else by the config file's key. */
export function givenAs(flag: string, key: Key, typed: boolean, config: string | undefined): string {
  return typed || !config ? flag : `"${key}" (${configName(config)})`;
}
