/**
 * `node dist/lab/run-scenario.js SCENARIO... [--tool cscan,nodefloor,nmap-t5,nmap-t4,shardscan]
 *   [--cmd TEMPLATE --parse ndjson|greppable|xml|cscan] [--runs 3] [--seed 1] [--timeout 120] [--loss PCT] [--json FILE]`
 *
 * Builds each scenario's lab, runs the tools through it, prints a table of
 * median wall time and accuracy against the ground truth. Needs root.
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runScenario, type ScenarioReport } from './runner.js';
import { SCENARIO_IDS, type ScenarioId } from './scenarios.js';
import { customTool, type OutputFormat, type Tool, TOOLS } from './tools.js';
import { truthText } from './truth.js';

const USAGE = `usage: node dist/lab/run-scenario.js SCENARIO...|all [options]
  scenarios: ${SCENARIO_IDS.join(', ')}
  --tool LIST      ${Object.keys(TOOLS).join(', ')} (default: all of them)
  --cmd TEMPLATE   another scanner, e.g. 'node dist/src/cli/main.js {targets} -p {ports} -f ndjson --states all -q --no-out-dir'
                   (words split as sh splits them: 'sh -c "… | tee out.ndjson"' runs a pipe)
  --parse FORMAT   its output: ndjson, greppable (nmap -oG -), xml (nmap -oX -) or cscan (default ndjson)
  --runs N         runs per tool (default 3; the median is reported)
  --seed N         listener placement and relay draws (default 1)
  --timeout SEC    cap on one run (default 120)
  --loss PCT       random loss each way, %, in place of the scenario's own (e.g. mixloss --loss 15)
  --json FILE      also write every run as JSON`;

/** One table row per scenario × tool. */
export function renderTable(reports: readonly ScenarioReport[]): string {
  // 'other': records outside the scan or in another state (error, e.g. --host-timeout): they were in the JSON only, so the table looked exact.
  const head = ['scenario', 'tool', 'median s', 'runs s', 'open found', 'false open', 'closed→filt', 'filt→closed', 'missing', 'other', 'exact', 'relay late µs'];
  const rows = [head];
  for (const rep of reports) {
    for (const t of rep.tools) {
      const m = t.median;
      const runs = t.runs.map((r) => `${(r.wallMs / 1000).toFixed(2)}${r.timedOut ? '!' : ''}${r.void.length ? 'v' : ''}`).join(' ');
      rows.push([
        rep.scenario,
        t.tool,
        t.medianMs === null ? 'void' : `${(t.medianMs / 1000).toFixed(2)}${m?.timedOut ? ' (cap)' : ''}`,
        runs,
        m ? `${m.score.openFound}/${m.score.expectedOpen}` : '-',
        m ? String(m.score.falseOpens) : '-',
        m ? `${m.score.approximate ? '≥' : ''}${m.score.closedAsFiltered}` : '-',
        m ? `${m.score.approximate ? '≥' : ''}${m.score.filteredAsClosed}` : '-',
        m ? String(m.score.missing) : '-',
        m ? String(m.score.unexpected) : '-',
        `${t.runs.filter((r) => r.score.exact).length}/${t.runs.length}`,
        m ? m.maxLateUs.toFixed(0) : '-',
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const note = '≥: the tool gave only counts for some ports (nmap\'s "Not shown: 900 filtered, 90 closed"); mistakes there are a lower bound';
  // What a run is scored against, as the bench's table says it: without it the counts above had nothing to be read against.
  const truths = reports.map((r) => `truth of ${r.scenario}: ${truthText(r.truth)}`);
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  return [...table, ...truths, reports.some((r) => r.tools.some((t) => t.median?.score.approximate)) ? note : ''].join('\n').trimEnd();
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        tool: { type: 'string' },
        cmd: { type: 'string' },
        parse: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        timeout: { type: 'string' },
        loss: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // One line, as the bench and the CLI refuse bad input (it printed the whole usage after it).
    process.stderr.write(`run-scenario: ${(err instanceof Error ? err.message : String(err)).replace(/\. To specify a positional argument[^]*$/, '')} (see --help)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const ids = positionals.includes('all') ? [...SCENARIO_IDS] : positionals;
  for (const id of ids) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
      process.stderr.write(`run-scenario: unknown scenario '${id}'. Example: rtt20 (one of ${SCENARIO_IDS.join(', ')})\n`);
      return 2;
    }
  }
  const tools: Tool[] = [];
  // An empty --cmd is a forgotten template (an unset shell variable), refused, not taken for no --cmd.
  if (values.cmd !== undefined) {
    const format = (values.parse ?? 'ndjson') as OutputFormat;
    if (!['ndjson', 'greppable', 'xml', 'cscan'].includes(format)) {
      process.stderr.write(`run-scenario: --parse must be ndjson, greppable, xml or cscan, got '${format}'\n`);
      return 2;
    }
    try {
      tools.push(customTool(values.cmd, format));
    } catch (err) {
      process.stderr.write(`run-scenario: ${(err as Error).message}. Example: --cmd 'sh -c "node dist/src/cli/main.js {targets} -p {ports} -f ndjson --states all -q --no-out-dir | tee out.ndjson"'\n`);
      return 2;
    }
  }
  if (values.tool !== undefined || values.cmd === undefined) {
    for (const name of (values.tool ?? Object.keys(TOOLS).join(',')).split(',')) {
      const tool = TOOLS[name];
      if (!tool) {
        process.stderr.write(`run-scenario: unknown tool '${name}'. Example: --tool cscan,shardscan (one of ${Object.keys(TOOLS).join(', ')})\n`);
        return 2;
      }
      tools.push(tool);
    }
  }
  // Bad numbers are usage errors (one line, exit 2), found before any lab is built; a seed may be 0.
  const num = (v: string | undefined, dflt: number, name: string, whole: boolean, min: number): number | null => {
    const n = v === undefined ? dflt : /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (Number.isFinite(n) && n >= min && (!whole || Number.isInteger(n))) return n;
    process.stderr.write(`run-scenario: --${name} must be ${whole ? 'a whole number' : 'a number'} of at least ${min}, got '${v}'. Example: --${name} ${dflt}\n`);
    return null;
  };
  const runs = num(values.runs, 3, 'runs', true, 1);
  const seed = num(values.seed, 1, 'seed', true, 0);
  const timeout = num(values.timeout, 120, 'timeout', false, 0.001);
  const lossPct = values.loss === undefined ? undefined : num(values.loss, 15, 'loss', false, 0);
  if (lossPct !== undefined && lossPct !== null && lossPct > 100) {
    process.stderr.write(`run-scenario: --loss must be a share of packets from 0 to 100, got '${values.loss}'. Example: --loss 15\n`);
    return 2;
  }
  if (runs === null || seed === null || timeout === null || lossPct === null) return 2;
  const timeoutMs = timeout * 1000;
  // A path that cannot be written is refused now, not after every run; without emptying it (a Ctrl+C then lost
  // an earlier file's results and kept none of this run's).
  const jsonProblem = values.json === undefined ? null : unwritable(values.json);
  if (jsonProblem !== null) {
    process.stderr.write(`run-scenario: cannot write --json '${values.json}': ${jsonProblem}\n`);
    return 2;
  }
  const reports: ScenarioReport[] = [];
  for (const id of ids as ScenarioId[]) {
    reports.push(await runScenario(id, tools, { runs, seed, timeoutMs, lossPct, log: (l) => process.stderr.write(`${l}\n`) }));
    // After each scenario: a Ctrl+C keeps the scenarios done.
    if (values.json) writeFileSync(values.json, `${JSON.stringify(reports, null, 2)}\n`);
  }
  process.stdout.write(`${renderTable(reports)}\n`);
  // A table with no measurement in a cell is not a result: say which, exit 1.
  const failed = reports.flatMap((r) => r.tools.filter((t) => t.median === null || t.runs.every((run) => run.timedOut)).map((t) => `${t.tool} on ${r.scenario}`));
  if (failed.length > 0) {
    process.stderr.write(`run-scenario: no valid run (every run void or over the --timeout cap) of ${failed.join(', ')}\n`);
    return 1;
  }
  return 0;
}

/** Why `path` cannot be written (an errno), or null: checked without opening it, so an existing file is kept. */
function unwritable(path: string): string | null {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) return 'EISDIR';
    accessSync(st === undefined ? dirname(resolve(path)) : path, constants.W_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

// Run as a program, not when imported (test/lab-table.test.ts imports renderTable).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`run-scenario: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
