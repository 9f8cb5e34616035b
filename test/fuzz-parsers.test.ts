/**
 * Property-based tests of every input parser, in process: targets, ports,
 * -iL files, config files, seeds, shard specs and the other flags. Whatever
 * the input, a parser returns a value or throws a ShardscanError whose
 * message is one short printable line: never another exception, never a
 * message that quotes a whole long input. Nothing here opens a socket, and
 * host names go to a resolver that never asks DNS.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../src/config/index.js';
import { type ScanFlags, flagsToConfig, parseStates } from '../src/cli/options.js';
import { buildPorts } from '../src/ports/parse.js';
import { prepareScan } from '../src/prepare.js';
import { parseShard } from '../src/shard/plan.js';
import { parseBlocklist } from '../src/targets/blocklist.js';
import { formatIPv4, parseIPv4 } from '../src/targets/ip.js';
import { buildTargets, parseTargetToken } from '../src/targets/parse.js';
import { scratchDir } from './helpers/cli.js';
import { anyText, configObject, expectCleanError, jsonText, noDns, numberText, parsesOrRefuses, portText, ran, runs, shardText, targetText } from './helpers/fuzz.js';

const dir = scratchDir('shardscan-fuzz-');
let fileNo = 0;
function file(text: string): string {
  const path = join(dir, `f${fileNo++}`);
  writeFileSync(path, text);
  return path;
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`fuzz-parsers: ${ran.cases} generated cases\n`);
});

describe('target parsing never fails uncleanly', () => {
  it('one token', async () => {
    await fc.assert(fc.asyncProperty(targetText, (t) => parsesOrRefuses(t, () => parseTargetToken(t)).then(() => undefined)), runs(2000));
  });

  it('targets and exclusions, built into a set', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(targetText, { minLength: 1, maxLength: 3 }), fc.array(targetText, { maxLength: 2 }), async (targets, exclude) => {
        const built = await parsesOrRefuses({ targets, exclude }, () => buildTargets({ targets, exclude }, noDns));
        if (built) expect(built.set.count).toBeGreaterThan(0);
      }),
      runs(600),
    );
  });

  it('-iL and --exclude-file contents', async () => {
    const line = fc.tuple(fc.array(targetText, { maxLength: 3 }), fc.option(anyText)).map(([t, comment]) => t.join(' ') + (comment === null ? '' : ` # ${comment}`));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), async (lines, eol, asExclude) => {
        const path = file(lines.join(eol));
        const input = asExclude ? { targets: ['127.0.0.1'], excludeFile: path } : { targets: [], inputFile: path };
        await parsesOrRefuses(lines, () => buildTargets(input, noDns));
      }),
      runs(300),
    );
  });
});

describe('port parsing never fails uncleanly', () => {
  it('-p and --exclude-ports', async () => {
    await fc.assert(
      fc.asyncProperty(portText, fc.boolean(), async (p, exclude) => {
        const set = await parsesOrRefuses(p, () => buildPorts(exclude ? { ports: '1-1000', excludePorts: p } : { ports: p }));
        if (set) {
          expect(set.count).toBeGreaterThan(0);
          let sorted = true;
          for (let i = 1; i < set.count; i++) sorted &&= set.at(i) > set.at(i - 1);
          expect(sorted).toBe(true);
          expect(set.at(0)).toBeGreaterThanOrEqual(1);
        }
      }),
      runs(1500),
    );
  });
});

describe('flags never fail uncleanly', () => {
  const stringFlags: (keyof ScanFlags)[] = [
    'ports', 'topPorts', 'excludePorts', 'timeout', 'retries', 'concurrency', 'workers', 'seed', 'order', 'shard', 'rate', 'hostRate', 'engine', 'format', 'states', 'chunkSize', 'maxTime',
  ];

  it('--seed', async () => {
    await fc.assert(
      fc.asyncProperty(numberText, async (seed) => {
        const c = await parsesOrRefuses(seed, () => flagsToConfig({ seed }));
        if (c) expect(Number.isSafeInteger(c.seed)).toBe(true);
      }),
      runs(500),
    );
  });

  it('--shard', async () => {
    await fc.assert(
      fc.asyncProperty(shardText, async (s) => {
        const shard = await parsesOrRefuses(s, () => parseShard(s));
        if (shard) expect(shard.index).toBeLessThanOrEqual(shard.total);
      }),
      runs(500),
    );
  });

  it('--states', async () => {
    await fc.assert(fc.asyncProperty(anyText, async (s) => void (await parsesOrRefuses(s, () => parseStates(s)))), runs(300));
  });

  it('every other value flag, through the config it makes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...stringFlags), fc.oneof(numberText, portText, anyText), async (flag, value) => {
        await parsesOrRefuses({ flag, value }, () => {
          const given = flagsToConfig({ [flag]: value, targets: ['127.0.0.1'] });
          return resolveConfig(given, { tuning: null, cores: 2, fdLimit: 4096 });
        });
      }),
      runs(800),
    );
  });
});

/**
 * "-" as a list file reads stdin, and this process's stdin may be a pipe that
 * never ends (a CI runner's, a shell job's): a config generated with
 * "inputFile": "-" hung a clean-clone CI run in this test. fuzz-cli tests "-"
 * with a stdin it closes; here it becomes a file name.
 */
function noStdin(o: Record<string, unknown>): Record<string, unknown> {
  for (const key of ['inputFile', 'excludeFile']) if (Object.hasOwn(o, key) && o[key] === '-') o[key] = './-';
  return o;
}

describe('config files never fail uncleanly', () => {
  it('any file content, through to a prepared scan', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonText, configObject.map((o) => JSON.stringify(noStdin(o)))), async (text) => {
        const path = file(text);
        await parsesOrRefuses(text, async () => {
          const partial = loadConfigFile(path);
          const { config } = resolveConfig({ targets: ['127.0.0.1'], ...partial }, { tuning: null, cores: 2, fdLimit: 4096 });
          return prepareScan(config, noDns);
        });
      }),
      runs(600),
    );
  });
});

describe('blocklist files never fail uncleanly, and block exactly what they list', () => {
  const network = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 32 })).map(([a, p]) => `${formatIPv4(a)}/${p}`);
  const line = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(network, fc.option(anyText)).map(([n, name]) => (name === null ? n : `${n}\t${name}`)) },
    { weight: 1, arbitrary: fc.tuple(targetText, anyText).map(([t, rest]) => `${t} ${rest}`) },
    { weight: 1, arbitrary: anyText.map((t) => `# ${t}`) },
  );

  it('any file content', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), async (lines, eol) => {
        await parsesOrRefuses(lines, () => parseBlocklist(lines.join(eol), 'the fuzzed list', 'fuzzed'));
      }),
      runs(800),
    );
  });

  it('kept + blocked = all targets, and nothing kept is on the list', async () => {
    const target = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 14, max: 32 })).map(([a, p]) => `${formatIPv4(a)}/${p}`);
    await fc.assert(
      fc.asyncProperty(fc.array(network, { minLength: 1, maxLength: 6 }), fc.array(target, { minLength: 1, maxLength: 3 }), async (nets, targets) => {
        const list = parseBlocklist(nets.join('\n'), 'the fuzzed list', 'fuzzed');
        const all = await buildTargets({ targets }, noDns);
        const listed = (addr: string): boolean => {
          const v = parseIPv4(addr)!;
          return list.merged.some((iv) => !iv.v6 && iv.lo <= v && v <= iv.hi);
        };
        try {
          const kept = await buildTargets({ targets, blocklist: list }, noDns);
          expect(kept.set.count + kept.blocked.count).toBe(all.set.count);
          expect(kept.blocked.ranges.reduce((n, r) => n + r.count, 0)).toBe(kept.blocked.count);
          for (let k = 0; k < 20; k++) expect(listed(kept.set.at(Math.floor((k / 20) * kept.set.count)))).toBe(false);
        } catch (err) {
          expectCleanError(err, { nets, targets });
          expect((err as { code: string }).code).toBe('E_BLOCKED');
          for (let k = 0; k < 20; k++) expect(listed(all.set.at(Math.floor((k / 20) * all.set.count)))).toBe(true);
        }
      }),
      runs(500),
    );
  });
});
