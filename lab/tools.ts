/**
 * The scanners the lab measures: how to call each on a scenario and how to
 * read its output back into host:port:state records. Every command runs inside
 * the lab's scanner namespace (the runner adds `ip netns exec`).
 */
import { CLI_BIN, CLI_NODE_FLAGS } from '../src/cli/node-flags.js';
import { packagePath } from '../src/paths.js';
import { labBinary } from './build.js';
import type { Scenario } from './scenarios.js';
import type { Bulk, Reported } from './truth.js';

/** An output format the lab can read. */
export type OutputFormat = 'ndjson' | 'greppable' | 'xml' | 'cscan';

/** A tool's output, read: per-target records, and per-host counts where the tool gave only counts. */
export interface Parsed {
  records: Reported[];
  bulk: Bulk[];
}

/** A scanner: its command line for a scenario and the format of its stdout. */
export interface Tool {
  id: string;
  /** Command and arguments for this scenario (targets and ports filled in). */
  argv(s: Scenario): [string, string[]];
  format: OutputFormat;
}

/** shardscan's ndjson records. */
function parseNdjson(stdout: string): Reported[] {
  const out: Reported[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { host: string; port: number; state: string; reason?: string };
    out.push({ host: r.host, port: r.port, state: r.state, reason: r.reason });
  }
  return out;
}

/**
 * nmap -oG: "Host: H ()\tPorts: 22/open/tcp//ssh///, ...\tIgnored State: closed (9980)".
 * The ignored state is expanded over the scan's ports not listed; a host with
 * every port in the ignored state has a Ports line with no entries.
 */
function parseGreppable(stdout: string, ports: readonly number[]): Reported[] {
  const out: Reported[] = [];
  for (const line of stdout.split('\n')) {
    const host = /^Host: (\S+)/.exec(line)?.[1];
    if (!host || !/\t(Ports|Ignored State):/.test(line)) continue;
    const listed = new Set<number>();
    for (const entry of (/Ports: ([^\t]*)/.exec(line)?.[1] ?? '').split(', ')) {
      const [port, state] = entry.trim().split('/');
      if (!port || !state) continue;
      listed.add(Number(port));
      // nmap's "closed|filtered" and "open|filtered" are not answers either way.
      out.push({ host, port: Number(port), state });
    }
    const ignored = /Ignored State: (\S+) \(\d+\)/.exec(line)?.[1];
    if (ignored) for (const port of ports) if (!listed.has(port)) out.push({ host, port, state: ignored });
  }
  return out;
}

/**
 * nmap -oX: listed <port>s, and <extraports state=S count=N> for the rest. One
 * extraports state is expanded over the ports not listed; several (e.g. 900
 * filtered and 90 closed) are only counts, since nmap does not say which port
 * is which without -d3 (whose output would slow the run being timed).
 */
function parseXml(stdout: string, s: Scenario): Parsed {
  const records: Reported[] = [];
  const bulk: Bulk[] = [];
  for (const block of stdout.split('<host ').slice(1)) {
    const host = /<address addr="([^"]+)" addrtype="ipv4"/.exec(block)?.[1];
    if (!host) continue;
    const listed = new Set<number>();
    for (const m of block.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([^"]+)" reason="([^"]*)"/g)) {
      listed.add(Number(m[1]));
      records.push({ host, port: Number(m[1]), state: m[2]!, reason: m[3] });
    }
    const extra = [...block.matchAll(/<extraports state="([^"]+)" count="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])] as const);
    const unlisted = s.ports.filter((p) => !listed.has(p));
    if (extra.length === 1) for (const port of unlisted) records.push({ host, port, state: extra[0]![0] });
    else if (extra.length > 1) bulk.push({ host, ports: unlisted, counts: Object.fromEntries(extra) });
  }
  return { records, bulk };
}

/** cscan -a: "STATE HOST PORT RTT_MS REASON". */
function parseCscan(stdout: string): Reported[] {
  const out: Reported[] = [];
  for (const line of stdout.split('\n')) {
    const [state, host, port, , reason] = line.split(' ');
    if (!state || !host || !port) continue;
    out.push({ host, port: Number(port), state, reason });
  }
  return out;
}

/** Read a tool's stdout. */
export function parseOutput(format: OutputFormat, stdout: string, s: Scenario): Parsed {
  if (format === 'xml') return parseXml(stdout, s);
  const records = format === 'ndjson' ? parseNdjson(stdout) : format === 'greppable' ? parseGreppable(stdout, s.ports) : parseCscan(stdout);
  return { records, bulk: [] };
}

/** The Node floor as the build writes it (lab/node-floor.cts). */
export const NODE_FLOOR = packagePath('dist', 'lab', 'node-floor.cjs');

/** The Node floor's command line, every state printed (-a), as the lab and its tests run it. */
export const nodeFloorCommand = (args: readonly string[]): [string, string[]] => [process.execPath, [NODE_FLOOR, '-a', ...args]];

const nmap = (id: string, flags: string[]): Tool => ({
  id,
  format: 'xml',
  argv: (s) => ['nmap', ['-sT', '-n', '-Pn', ...flags, '-p', s.portSpec, '-oX', '-', ...s.targets]],
});

/** The built-in tools, by id. */
export const TOOLS: Record<string, Tool> = {
  /** The C floor at its own defaults (a fixed 1000 ms timeout, 1 retry), 2 threads × 4096. */
  cscan: { id: 'cscan', format: 'cscan', argv: (s) => [labBinary('cscan'), ['-a', '-p', s.portSpec, ...s.targets]] },
  /** The Node floor (lab/node-floor.cts): cscan's loop in Node on one thread, 8192 in flight, same timeout and retries. */
  nodefloor: { id: 'nodefloor', format: 'cscan', argv: (s) => nodeFloorCommand(['-p', s.portSpec, ...s.targets]) },
  'nmap-t5': nmap('nmap-t5', ['-T5', '--min-rate', '100000']),
  'nmap-t4': nmap('nmap-t4', ['-T4']),
  /** shardscan at its defaults (no saved tuning: the runner points SHARDSCAN_CONFIG_DIR at an empty dir). */
  shardscan: {
    id: 'shardscan',
    format: 'ndjson',
    argv: (s) => [
      process.execPath,
      [...CLI_NODE_FLAGS, CLI_BIN, ...s.targets, '-p', s.portSpec, '-q', '--no-out-dir', '-f', 'ndjson', '--states', 'all'],
    ],
  },
};

/**
 * A tool from a command template: `{targets}` and `{ports}` are replaced
 * (`{targets}` as a word of its own: one word a target; inside a longer
 * word, the targets space-separated), words split as a shell splits them:
 * on blanks, with '…' and "…" keeping theirs and \ escaping one character.
 * Example: `node dist/src/cli/main.js {targets} -p {ports} -f ndjson --states
 * all -q --no-out-dir`, or `sh -c "node dist/src/cli/main.js {targets} -p {ports}
 * -f ndjson --states all -q --no-out-dir | tee /tmp/run.ndjson"` (it split on every
 * space, quotes and all, so a pipe needed a script of its own).
 */
export function customTool(template: string, format: OutputFormat): Tool {
  const words = splitWords(template);
  if (words.length === 0) throw new Error('--cmd is empty');
  return {
    id: 'custom',
    format,
    argv: (s) => {
      const all = words.flatMap((w) => (w === '{targets}' ? s.targets : [w.replaceAll('{targets}', s.targets.join(' ')).replaceAll('{ports}', s.portSpec)]));
      return [all[0]!, all.slice(1)];
    },
  };
}

/** Words as a POSIX shell splits them (no expansions): blanks separate, quotes group, a backslash escapes. Throws on an unclosed quote. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`--cmd has an unclosed ' at character ${i + 1}`);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let part = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        // Inside "…" a backslash escapes only " \ $ and `, as in sh.
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        part += text[j];
      }
      if (j >= text.length) throw new Error(`--cmd has an unclosed " at character ${i + 1}`);
      word = (word ?? '') + part;
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
