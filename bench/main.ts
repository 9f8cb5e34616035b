/**
 * `npm run bench [-- options]`: the command-line wrapper of runBench()
 * (bench/run.ts). Progress goes to stderr, the report to stdout, so
 * `npm run bench > table.txt` keeps the table.
 */
import { parseArgs } from 'node:util';
import { ShardscanError, errnoCode, messageOf } from '../src/errors.js';
import { makeDirs } from '../src/files.js';
import { readBaseline } from './baseline.js';
import { writeInterrupted } from './interrupted.js';
import { ALL_WORKLOADS, type BenchOptions, parseWorkloads, runBench } from './run.js';

const USAGE = `usage: npm run bench -- [--quick] [--net | --workloads LIST] [--save] [--out DIR] [--seed N] [--baseline FILE]
       npm run bench -- --target ADDR -p PORTS [--runs N] [--yes] [--save]
  (no flags)       everything: loopback W1-W4 and the network workloads through the lab (needs root)
  --quick          smoke run, under a minute: a 2 × 2 loopback matrix, one run per cell, and rtt20 + a small banner workload in the lab
  --net            only the network workloads (lab scenarios and banners)
  --workloads L    a comma list of ${ALL_WORKLOADS.join(', ')}; or loopback, net
  --save           store the tuning the bench decides (see bench/README.md) as the CLI's defaults
  --out DIR        write <timestamp>.json and the SVG charts to DIR (default results/bench)
  --seed N         scan orders and W2 fixture placement (default: from the clock)
  --baseline FILE  an earlier bench JSON for "W1/W2 no slower than before" (default: the newest full run in --out)
  --target ADDR    tune against ADDR (a host, or a network of at most 256 addresses without --yes): scan only what you are allowed to
  -p, --ports P    the ports for --target, e.g. 22,80,443 or 1-1000
  --runs N         runs per setting for --target (default 3)
  --yes            let --target name more than 256 addresses`;

/** Bad input: one line, and where the usage is (bench/README.md promises one line). */
function fail(message: string): number {
  process.stderr.write(`bench: ${message} (see npm run bench -- --help)\n`);
  return 2;
}

/**
 * Ctrl+C or SIGTERM: write what was measured so far (bench/interrupted.ts),
 * then exit through process.exit, so the 'exit' hooks run and
 * kill the fixtures' children (a SIGSTOPped blackhole child was left stopped
 * forever, holding 500 listeners) and remove the scratch directories. A lab
 * being built or used cleans up by its own handler (lab/lab.ts), which exits
 * the same way.
 */
function exitOnSignals(): void {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, () => {
      process.stderr.write(`bench: ${sig}: stopping\n`);
      // What the run measured so far (a full run takes ~17 minutes) is kept, not thrown away.
      try {
        const kept = writeInterrupted(sig);
        if (kept !== null) process.stderr.write(`bench: what was measured until now: ${kept}\n`);
      } catch (err) {
        process.stderr.write(`bench: could not keep what was measured: ${errnoCode(err) ?? messageOf(err)}\n`);
      }
      process.exit(code);
    });
  }
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        save: { type: 'boolean' },
        out: { type: 'string' },
        seed: { type: 'string' },
        net: { type: 'boolean' },
        workloads: { type: 'string' },
        baseline: { type: 'string' },
        target: { type: 'string' },
        ports: { type: 'string', short: 'p' },
        runs: { type: 'string' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    return fail(messageOf(err));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  // Number('') is 0: an empty --seed (an unset shell variable) ran the bench with seed 0.
  if (seed !== undefined && (!/^\d+$/.test(values.seed!.trim()) || !Number.isSafeInteger(seed))) return fail(`--seed must be an integer, got '${values.seed}'. Example: --seed 42`);
  // Checked now, not after the loopback runs it is compared with (it was read after 38 s of W1, with a stack trace).
  if (values.baseline !== undefined) {
    try {
      // A JSON without W1 and W2 cells (not a full bench's) was taken, and only the goal at the end said it had none.
      if (readBaseline(values.baseline) === null) return fail(`--baseline ${values.baseline} has no W1 and W2 cells: give the JSON of a full bench (results/bench/*.json)`);
    } catch (err) {
      return fail(messageOf(err).replace(/^bench: /, ''));
    }
  }
  // An empty --out (an unset shell variable) wrote the results into the working directory, the package root under npm.
  if (values.out !== undefined && values.out.trim() === '') return fail("--out names no directory. Example: --out results/bench");
  if (values.out !== undefined) {
    try {
      // Not Node's recursive mkdir: under /proc it spins at 100 % CPU forever (makeDirs says ENOENT).
      makeDirs(values.out);
    } catch (err) {
      return fail(`cannot create --out '${values.out}': ${errnoCode(err) ?? messageOf(err)}`);
    }
  }
  exitOnSignals();
  const t0 = performance.now();
  const stamp = () => {
    const s = Math.floor((performance.now() - t0) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  // Elapsed minutes:seconds on every progress line: where a long run spends its time.
  const opts: BenchOptions = { quick: values.quick, save: values.save, outDir: values.out, seed, baseline: values.baseline, log: (line) => process.stderr.write(`[${stamp()}] ${line}\n`) };
  if (values.target !== undefined) {
    // Options that shape the workloads mean nothing here; ignoring them would let a user believe they applied.
    const unused = (['net', 'workloads', 'quick', 'seed', 'baseline'] as const).filter((k) => values[k] !== undefined);
    if (unused.length > 0) return fail(`--target tunes against one target; it does not take ${unused.map((k) => `--${k}`).join(', ')}`);
    if (values.ports === undefined || values.ports.trim() === '') return fail('--target needs -p PORTS. Example: --target 198.18.1.1 -p 1-1000');
    const runs = values.runs === undefined ? 3 : Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) return fail(`--runs must be a whole number from 1 to 20, got '${values.runs}'`);
    opts.target = { address: values.target, ports: values.ports, yes: Boolean(values.yes), runs };
  } else if (values.ports !== undefined || values.runs !== undefined || values.yes) {
    return fail('-p, --runs and --yes go with --target');
  } else if (values.net && values.workloads !== undefined) {
    return fail('give --net or --workloads, not both');
  } else if (values.net || values.workloads !== undefined) {
    // An empty --workloads (an unset shell variable) is refused by parseWorkloads: taken as absent, it ran the whole 18-minute bench.
    try {
      opts.workloads = parseWorkloads(values.net ? 'net' : values.workloads!);
    } catch (err) {
      return fail(messageOf(err));
    }
  }
  const started = performance.now();
  let outcome;
  try {
    outcome = await runBench(opts);
  } catch (err) {
    // Bad input (a refused --target, a bad port list) is the user's to fix: one line, exit 2.
    if (err instanceof ShardscanError) return fail(err.message);
    throw err;
  }
  process.stdout.write(`\n${outcome.report}\n\n`);
  process.stdout.write(`results: ${outcome.jsonPath}\n`);
  for (const path of Object.values(outcome.chartPaths)) process.stdout.write(`chart:   ${path}\n`);
  process.stdout.write(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
