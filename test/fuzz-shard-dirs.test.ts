/**
 * Property-based tests of shard directories with corrupt manifests,
 * checkpoints and record lines: `validate`, `merge` and `resume` end with a
 * one-line error (exit 2, or 1 for I/O and for validate's findings), never a
 * stack trace, a hang or a crash, and a refused command leaves every file
 * byte for byte as it was. A resume that is accepted leaves a directory
 * that validates.
 *
 * The in-process part runs many cases against the readers; a smaller number
 * goes through the CLI, in a namespace with only a loopback (the directories
 * scan 127.0.0.1; a corrupted one may name any target, and nothing can leave).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardscanError } from '../src/errors.js';
import { checkShardSet, readRecords } from '../src/store/read.js';
import { validateDir } from '../src/store/validate.js';
import { planResume } from '../src/store/resume.js';
import { type TestNamespace, isolated } from './helpers/blackhole.js';
import { type CliResult, runCli, scratchDir } from './helpers/cli.js';
import { type Mutation, copyDir, corrupt, mutation, snapshot } from './helpers/corrupt.js';
import { FUZZ_SEED, expectCleanError, noDns, ran, runs } from './helpers/fuzz.js';
import { netnsUnavailable } from './helpers/netns.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) {
  throw new Error(`shard-directory fuzz tests run the CLI in a network namespace and cannot run: ${why}. Run as root, or set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);
}

const IN_PROCESS_CASES = Number(process.env.FUZZ_DIR_INPROC ?? 400);
/** Each CLI case is three process starts; FUZZ_DIR_CASES and FUZZ_DIR_INPROC raise the counts for a longer hunt. */
const CLI_CASES = Number(process.env.FUZZ_DIR_CASES ?? 8);
const SEED = FUZZ_SEED ?? Date.now() % 2 ** 31;

let ns: TestNamespace;
let work: string;
/** A finished scan (for merge and validate) and one stopped by --max-time (for resume). */
let complete: string;
let interrupted: string;
let caseNo = 0;

beforeAll(async () => {
  ns = isolated();
  work = scratchDir('shardscan-fuzzdir-');
  complete = join(work, 'complete');
  interrupted = join(work, 'interrupted');
  const base = ['127.0.0.1', '-p', '1-60', '--states', 'all', '--seed', '7', '-q', '-f', 'ndjson', '-o', '/dev/null'];
  const a = await runCli([...base, '--out-dir', complete], { prefix: ns.prefix, cwd: work });
  const b = await runCli([...base, '--rate', '50', '--max-time', '0.4', '--out-dir', interrupted], { prefix: ns.prefix, cwd: work });
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  expect(snapshot(interrupted)['manifest.json']).toBeDefined();
}, 60_000);

afterAll(() => {
  ns?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
  process.stdout.write(`fuzz-shard-dirs: ${ran.cases} in-process cases, ${CLI_CASES} CLI cases × 3 commands\n`);
});

function fresh(from: string, mutations: Mutation[]): string {
  const dir = copyDir(from, join(work, `case-${caseNo++}`));
  for (const m of mutations) corrupt(dir, m);
  return dir;
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 2 });

describe('corrupt shard directories, in process', () => {
  it('validate, merge and resume readers refuse cleanly and write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(mutations, fc.boolean(), async (ms, fromComplete) => {
        const dir = fresh(fromComplete ? complete : interrupted, ms);
        const before = snapshot(dir);
        const { problems } = await validateDir(dir);
        for (const p of problems) expect(p, JSON.stringify(ms).slice(0, 300)).not.toMatch(/[\n\r]/);
        try {
          const shards = checkShardSet([dir], true);
          for await (const r of readRecords(shards[0]!.recordsPath)) void r;
        } catch (err) {
          expectCleanError(err, ms);
          // Damaged input (exit 2) or a failed read (E_IO, exit 1); never "internal".
          expect((err as ShardscanError).isUsage || (err as ShardscanError).code === 'E_IO', (err as Error).message).toBe(true);
        }
        expect(snapshot(dir)).toEqual(before);
        try {
          // A plan holds the directory (its lock, the kept records written beside the file) until reopen or release.
          const plan = await planResume(dir, {}, noDns);
          plan?.release();
          expect(snapshot(dir), `a released plan left files: ${JSON.stringify(ms).slice(0, 300)}`).toEqual(before);
        } catch (err) {
          expectCleanError(err, ms);
          expect((err as ShardscanError).isUsage || (err as ShardscanError).code === 'E_IO', (err as Error).message).toBe(true);
          expect(snapshot(dir), `refused resume changed files: ${JSON.stringify(ms).slice(0, 300)}`).toEqual(before);
        }
      }),
      runs(IN_PROCESS_CASES),
    );
  }, 60_000);
});

function oneLineError(r: CliResult, what: string): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^shardscan: error: /);
}

function noCrash(r: CliResult, what: string): void {
  expect(r.signal, `hung (killed): ${what}`).toBeNull();
  expect(r.stderr + r.stdout, what).not.toMatch(/^\s+at |internal error|node:internal|Unhandled/m);
}

describe.skipIf(skip)('corrupt shard directories, through the CLI', () => {
  it(`validate, merge and resume: one-line errors, no changed file after a refusal (${CLI_CASES} cases)`, async () => {
    const cases = fc.sample(fc.tuple(mutations, fc.boolean()), { numRuns: CLI_CASES, seed: SEED });
    const failures: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < cases.length) {
        const [ms, fromComplete] = cases[next++]!;
        const dir = fresh(fromComplete ? complete : interrupted, ms);
        const before = snapshot(dir);
        const what = `${JSON.stringify(ms).slice(0, 400)} on the ${fromComplete ? 'complete' : 'interrupted'} scan`;
        const opts = { prefix: ns.prefix, cwd: work, killAfterMs: 20_000 };
        try {
          const v = await runCli(['validate', dir], opts);
          noCrash(v, `validate ${what}`);
          expect([0, 1], `validate ${what}`).toContain(v.code);
          if (v.code !== 0) for (const line of v.stdout.split('\n').filter(Boolean)) expect(line.startsWith(`${dir}: `), `validate ${what}: ${line.slice(0, 200)}`).toBe(true);
          const m = await runCli(['merge', dir, '--allow-partial', '-f', 'ndjson'], opts);
          noCrash(m, `merge ${what}`);
          expect([0, 1, 2], `merge ${what}`).toContain(m.code);
          if (m.code !== 0) oneLineError(m, `merge ${what}`);
          expect(snapshot(dir), `merge changed files: ${what}`).toEqual(before);
          const r = await runCli(['resume', dir, '-q', '-f', 'ndjson', '-o', '/dev/null'], opts);
          noCrash(r, `resume ${what}`);
          expect([0, 1, 2], `resume ${what}: ${r.stderr}`).toContain(r.code);
          if (r.code !== 0) {
            oneLineError(r, `resume ${what}`);
            expect(snapshot(dir), `refused resume changed files: ${what}: ${r.stderr}`).toEqual(before);
          } else {
            // It resumed, or found the directory complete, which it checks as merge does (a damaged one is refused above).
            const after = await validateDir(dir);
            expect(after.problems, `accepted resume left a bad directory: ${what}`).toEqual([]);
          }
        } catch (err) {
          failures.push((err as Error).message.slice(0, 1500));
        }
      }
    };
    await lane(); // one at a time: other test files run beside this one on two cores
    expect(failures, `seed ${SEED} (replay with FUZZ_SEED=${SEED}):\n${failures.join('\n\n')}`).toEqual([]);
  }, 180_000);
});
