/**
 * `npm run bench [-- --quick] [-- --save] [-- --out DIR] [-- --seed N]`:
 * the command-line wrapper of runBench() (bench/run.ts). Progress goes to
 * stderr, the report to stdout, so `npm run bench > table.txt` keeps the table.
 */
import { parseArgs } from 'node:util';
import { messageOf } from '../src/errors.js';
import { runBench } from './run.js';

const USAGE = `usage: npm run bench -- [--quick] [--save] [--out DIR] [--seed N]
  --quick     smoke run, under a minute: a 2 × 2 matrix, one run per cell, W3 on 500 targets
  --save      store the recommended --workers/--concurrency as the CLI's defaults
  --out DIR   write <timestamp>.json and the SVG charts to DIR (default results/bench)
  --seed N    scan orders and W2 fixture placement (default: from the clock)`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { quick: { type: 'boolean' }, save: { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`bench: ${messageOf(err)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    process.stderr.write(`bench: --seed must be an integer, got '${values.seed}'. Example: --seed 42\n`);
    return 2;
  }
  const started = performance.now();
  const outcome = await runBench({ quick: values.quick, save: values.save, outDir: values.out, seed, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`\n${outcome.report}\n\n`);
  process.stdout.write(`results: ${outcome.jsonPath}\ncharts:  ${outcome.chartPaths.throughput}\n         ${outcome.chartPaths.overshoot}\n`);
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
