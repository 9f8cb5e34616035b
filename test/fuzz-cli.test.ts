/**
 * Property-based tests of the command line, through a child process: random
 * flag values, repeated flags, target lists, -iL and --config file contents,
 * and lists on stdin (-iL -, --exclude-file -).
 * Whatever the input, the CLI ends with 0, 1 or 2; a refusal is exactly one
 * line `shardscan: error: …` on stderr, never a stack trace, and nothing hangs.
 *
 * Every run happens in a network namespace with only a loopback, so a fuzzed
 * target that happens to be valid cannot reach anything (connect() and DNS
 * fail at once). Scans are bounded by --max-time 2 and a 20 s kill.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestNamespace, isolated } from './helpers/blackhole.js';
import { type CliResult, runCli, scratchDir } from './helpers/cli.js';
import { FUZZ_SEED, anyText, configObject, jsonText, numberText, portText, shardText, targetText } from './helpers/fuzz.js';
import { netnsUnavailable } from './helpers/netns.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) {
  throw new Error(`CLI fuzz tests run in a network namespace and cannot run: ${why}. Run as root, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

/** How many CLI cases run (each is a process start, 0.3-1 s): the in-process fuzzers carry the volume. FUZZ_CLI_CASES=300 for a longer hunt. */
const CASES = Number(process.env.FUZZ_CLI_CASES ?? 24);
const SEED = FUZZ_SEED ?? Date.now() % 2 ** 31;
/** Bounds on every run; never fuzzed, so a fuzzed value cannot lift them. */
const BOUNDS = ['--max-time', '2', '--timeout', '100', '--retries', '0', '-q', '--no-out-dir', '-f', 'ndjson', '-o', '/dev/null'];

type Case = { argv: string[]; files: Record<string, string>; stdin?: string };

let ns: TestNamespace;
/** Every case runs in its own directory under this one, removed at the end. */
let work: string;

const flagValue = fc.oneof(numberText, portText, shardText, anyText, targetText);
/** Flags whose values are fuzzed (never ones that write files, or --max-time, which bounds the run). */
const valueFlag = fc.constantFrom('-p', '--ports', '--top-ports', '--exclude-ports', '--exclude', '--timeout', '--retries', '-c', '-w', '--seed', '--order', '--shard', '--rate', '--host-rate', '--engine', '-f', '--states', '--chunk-size', '--max-rate', '--max-retries');
const flagArg = fc.oneof(
  fc.tuple(valueFlag, flagValue).map(([f, v]) => [`${f.startsWith('--') ? f : f}=${v}`]),
  fc.tuple(valueFlag, flagValue).map(([f, v]) => (v.startsWith('-') ? [`${f}=${v}`] : [f, v])),
  valueFlag.map((f) => [f]), // a flag without its value
  fc.constantFrom(['--bogus'], ['-x'], ['--no-blocklist'], ['--yes'], ['--help-me'], ['-sT', '-Pn', '-n'], ['--'], ['-p-'], ['-p']),
  // nmap spellings: mapped, ignored or refused.
  fc.constantFrom(['-F'], ['--open'], ['-T4'], ['-T1'], ['-v'], ['-6'], ['-sS'], ['-O'], ['-oA', 'base'], ['-oX'], ['-oG', '-'], ['-oN', 'report.txt'], ['-r'], ['--randomize-hosts'], ['--min-rate', '100'], ['-S', '127.0.0.2'], ['-h']),
);

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  // Flags, repeated or not, after a loopback target.
  fc.array(flagArg, { minLength: 1, maxLength: 3 }).map((flags) => ({ argv: ['127.0.0.1', '-p', '1', ...flags.flat()], files: {} })),
  // Targets (one starting with a dash is taken for a flag, which is a refusal too).
  fc.array(targetText, { minLength: 1, maxLength: 3 }).map((t) => ({ argv: [...t, '-p', '1'], files: {} })),
  // -iL file contents.
  fc.array(fc.array(targetText, { maxLength: 3 }).map((t) => t.join(' ')), { maxLength: 5 }).map((lines) => ({ argv: ['-p', '1', '-iL', 'targets.txt'], files: { 'targets.txt': lines.join('\n') } })),
  // --config file contents.
  fc.oneof(jsonText, configObject.map((o) => JSON.stringify(o))).map((text) => ({ argv: ['127.0.0.1', '-p', '1', '--config', 'config.json'], files: { 'config.json': text } })),
  // "-" (stdin, stdout) and empty file names, with lists on stdin.
  fc
    .tuple(
      fc.array(fc.constantFrom(['-iL', '-'], ['--input-file', '-'], ['--exclude-file', '-'], ['-'], ['--input-file', ''], ['--exclude-file', ''], ['127.0.0.1'], ['-o', '-']), { minLength: 1, maxLength: 3 }),
      fc.array(targetText, { maxLength: 4 }).map((t) => t.join('\n')),
    )
    .map(([args, stdin]) => ({ argv: ['-p', '1', ...args.flat()], files: {}, stdin })),
);

function checkOutcome(c: Case, r: CliResult): void {
  const what = `shardscan ${JSON.stringify(c.argv).slice(0, 300)} (files ${JSON.stringify(c.files).slice(0, 300)}) → ${r.code ?? r.signal}\n${r.stderr.slice(0, 600)}`;
  expect(r.signal, `hung (killed): ${what}`).toBeNull();
  expect([0, 1, 2], what).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  expect(r.stderr, what).not.toMatch(/internal error|Unhandled|node:internal|TypeError|RangeError/);
  if (r.code !== 0) {
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, what).toHaveLength(1);
    expect(lines[0], what).toMatch(/^shardscan: error: /);
    expect(lines[0]!.length, what).toBeLessThanOrEqual(500);
  }
}

/** Run the cases one after another (a second lane slowed the timing-sensitive tests that run beside these). */
async function runAll(cases: Case[], where: TestNamespace): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  const lane = async (): Promise<void> => {
    while (next < cases.length) {
      const generated = cases[next++]!;
      // An argv string cannot hold NUL (execve's limit); files can.
      const c = { ...generated, argv: generated.argv.map((a) => a.replace(/\0/g, '')) };
      const cwd = join(work, `case-${next}`);
      mkdirSync(cwd);
      for (const [name, text] of Object.entries(c.files)) writeFileSync(join(cwd, name), text);
      const r = await runCli([...c.argv, ...BOUNDS], { cwd, prefix: where.prefix, killAfterMs: 20_000, onSpawn: (child) => child.stdin?.end(c.stdin ?? '') });
      try {
        checkOutcome(c, r);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  await lane(); // one at a time: other test files run beside this one on two cores
  expect(failures, `seed ${SEED} (replay with FUZZ_SEED=${SEED}):\n${failures.join('\n\n')}`).toEqual([]);
}

describe.skipIf(skip)('the CLI under fuzzed input', () => {
  beforeAll(() => {
    ns = isolated();
    work = scratchDir('shardscan-fuzzcli-');
  });
  afterAll(() => {
    ns?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`ends with 0, 1 or 2 and at most one error line (${CASES} random cases)`, async () => {
    const cases = fc.sample(caseArb, { numRuns: CASES, seed: SEED });
    await runAll(cases, ns);
  }, 120_000);

  // Inputs that once broke the CLI, kept as fixed cases (see test/fuzz-regressions.test.ts for their causes).
  it.each<[string, Case]>([
    ['a repeated value flag', { argv: ['127.0.0.1', '-p', '1', '-p', '2'], files: {} }],
    ['a host named like an Object member', { argv: ['constructor', '-p', '1'], files: {} }],
    ['a flag without its value', { argv: ['127.0.0.1', '--seed'], files: {} }],
  ])('%s', async (_name, c) => {
    const r = await runCli([...c.argv, ...BOUNDS], { prefix: ns.prefix, killAfterMs: 20_000 });
    checkOutcome(c, r);
  });
});
