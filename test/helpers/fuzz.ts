/**
 * Shared pieces of the property-based (fast-check) tests: input generators
 * that look like what users type (and what they mistype), and the one property
 * every parser must keep: it returns a value, or throws a ShardscanError whose
 * message is one short line.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ShardscanError } from '../../src/errors.js';
import type { Resolver } from '../../src/targets/parse.js';

/** Longest acceptable error line: quoting a whole 10 kB input line would break it. */
export const MAX_ERROR_LENGTH = 400;

/** Seed from the environment (FUZZ_SEED) to replay a failure; fast-check prints it. */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** Cases that ran, per test file, so each suite can say how many it ran. */
export const ran = { cases: 0 };

/** fc.assert parameters: a fixed number of runs, and the replay seed when given. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  ran.cases += numRuns;
  return { numRuns, ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) };
}

/** A resolver that never touches DNS: two names resolve, the rest fail as the system's would. */
export const noDns: Resolver = async (name) => {
  const table = new Map([
    ['localhost', '127.0.0.1'],
    ['six.test', '::1'],
  ]);
  const address = table.get(name);
  if (address === undefined) throw new ShardscanError('E_RESOLVE', `cannot resolve host name '${name.slice(0, 60)}'`);
  return address;
};

/** Assert the error is ours and fit to print: one line, no control characters, bounded length. */
export function expectCleanError(err: unknown, input: unknown): void {
  const shown = JSON.stringify(input)?.slice(0, 200);
  if (!(err instanceof ShardscanError)) {
    throw new Error(`input ${shown} threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}, not a ShardscanError`);
  }
  // eslint-disable-next-line no-control-regex
  expect(err.message, `input ${shown}`).not.toMatch(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/);
  expect(err.message.length, `input ${shown}: ${err.message.slice(0, 300)}`).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
  expect(err.message.length).toBeGreaterThan(0);
}

/** Run a parser: a value, or a clean ShardscanError. */
export async function parsesOrRefuses<T>(input: unknown, parse: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await parse();
  } catch (err) {
    expectCleanError(err, input);
    return undefined;
  }
}

/** Any string: ASCII, any Unicode, control characters, and now and then a very long one. */
export const anyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('1', '0', '.', ':', '/', '-', ',', ' ', '\n', '\t', '\r', '\u2028', 'f', 'x', '*', '#'), minLength: 0, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '1', '1.', ':'), fc.integer({ min: 500, max: 5000 })).map(([s, n]) => s.repeat(n)) },
);

const octet = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map(String),
  fc.integer({ min: 256, max: 999 }).map(String),
  fc.constantFrom('*', '0-255', '1-', '-9', '010', '00', '', '255-1'),
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })).map(([a, b]) => `${a}-${b}`),
);
const prefix = fc.oneof(fc.integer({ min: 0, max: 140 }).map(String), fc.constantFrom('', '-1', '08', '1e1', ' 8', '999999'));
const ipv4ish = fc.tuple(fc.array(octet, { minLength: 1, maxLength: 5 }), fc.option(prefix)).map(([o, p]) => o.join('.') + (p === null ? '' : `/${p}`));
const hexGroup = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)), fc.constantFrom('', 'g', '12345', 'ffff', '0'));
const ipv6ish = fc
  .tuple(fc.array(hexGroup, { minLength: 1, maxLength: 9 }), fc.boolean(), fc.option(prefix))
  .map(([g, dbl, p]) => (dbl ? g.join(':').replace(':', '::') : g.join(':')) + (p === null ? '' : `/${p}`));

/** Target tokens: address-like pieces, ranges, names, lists, and the strings that once broke parsers. */
export const targetText = fc.oneof(
  { weight: 3, arbitrary: ipv4ish },
  { weight: 2, arbitrary: ipv6ish },
  { weight: 1, arbitrary: fc.tuple(ipv4ish, ipv4ish).map(([a, b]) => `${a}-${b}`) },
  { weight: 1, arbitrary: fc.tuple(ipv6ish, ipv6ish).map(([a, b]) => `${a}-${b}`) },
  { weight: 1, arbitrary: fc.tuple(fc.array(ipv4ish, { maxLength: 4 }), fc.constantFrom(',', ' ', ', ', '\n')).map(([a, sep]) => a.join(sep)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'localhost', 'localhost/0', 'six.test/120',
      '0.0.0.0/0', '::/0', '::/104', '::ffff:127.0.0.1', '::ffff:224.0.0.1', 'ff02::1', '255.255.255.255', '224.0.0.1',
      '127.0.0.1/00', '0-255.0-255.0-255.0-254', '*.*.*.*', '-', ',', '/', '1.2.3.4/', '/24', 'a..b', '.', '1.2.3.4-',
    ),
  },
  { weight: 2, arbitrary: anyText },
);

/** Port lists, right and wrong. */
export const portText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.integer({ min: -5, max: 70000 }).map(String),
          fc.tuple(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 70000 })).map(([a, b]) => `${a}-${b}`),
          fc.constantFrom('-', '-1024', '60000-', 'T:80', 'U:53', '', ' 22 ', '0x50', '1e3', '22.0', '٢٢'),
        ),
        { minLength: 1, maxLength: 6 },
      )
      .map((a) => a.join(',')),
  },
  { weight: 1, arbitrary: anyText },
);

/** Whole numbers as text, and near misses. */
export const numberText = fc.oneof(
  fc.bigInt({ min: -10n, max: 2n ** 64n }).map(String),
  fc.double().map(String),
  fc.constantFrom('', ' ', '1 ', ' 1', '0x10', '1e3', '+1', '-0', '00', '9007199254740993', 'NaN', 'Infinity', '1_000', '١'),
  anyText,
);

/** Shard specs x/y, and near misses. */
export const shardText = fc.oneof(
  fc.tuple(fc.integer({ min: -2, max: 2_000_000 }), fc.integer({ min: -2, max: 2_000_000 })).map(([a, b]) => `${a}/${b}`),
  fc.constantFrom('1/1', '0/1', '2/1', '1/0', '1/', '/1', '1//2', '1/2/3', ' 1/2 ', '1/99999999999999999999', '01/02'),
  anyText,
);

/** JSON values, and text that is almost JSON. */
export const jsonText = fc.oneof(
  { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))) },
);

/** Config objects: the schema's keys (and a stranger) with values of the right type or not. */
export const configObject = fc.dictionary(
  fc.constantFrom(
    'targets', 'inputFile', 'exclude', 'excludeFile', 'resolved', 'ports', 'topPorts', 'excludePorts', 'timeoutMs', 'retries',
    'concurrency', 'workers', 'order', 'seed', 'shard', 'rate', 'hostRate', 'engine', 'format', 'output', 'states', 'outDir',
    'chunkSize', 'maxTimeSec', 'blocklist', 'yes', 'bogus', '__proto__', 'constructor',
  ),
  fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(targetText, { minLength: 1, maxLength: 3 }),
    portText,
    fc.integer({ min: -1, max: 70000 }),
    fc.constantFrom('random', 'serial', 'handle', 'text', 'grep', null, true, false, ['open'], ['open', 'open'], { index: 2, total: 1 }, { index: 1, total: 3 }),
    fc.dictionary(targetText, targetText, { maxKeys: 2 }),
  ),
  { maxKeys: 6 },
);
