/**
 * A list line that is one IPv4 address is read as a number, with no string or
 * object made for it (list-file.ts onIPv4, targets/v4-singles.ts): the same
 * targets, the same line numbers in refusals, and the same set however the
 * addresses repeat, adjoin or mix with other forms.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4, parseIPv4, parseIPv4Span } from '../src/targets/ip.js';
import { listTokens } from '../src/targets/list-file.js';
import { type Resolver, buildTargets, parseTargetToken } from '../src/targets/parse.js';
import type { Interval } from '../src/targets/set.js';
import { V4Singles } from '../src/targets/v4-singles.js';
import { scratchDir } from './helpers/cli.js';

const noDns: Resolver = async (name) => {
  throw new Error(`no lookups here (${name})`);
};

/** Every address of a target set, as text (small sets only). */
async function addressesOf(text: string): Promise<string[]> {
  const path = join(scratchDir(), 'list.txt');
  writeFileSync(path, text);
  const { set } = await buildTargets({ targets: [], inputFile: path }, noDns);
  return Array.from({ length: set.count }, (_, i) => set.at(i));
}

/** The same list read the old way: every token parsed, no address taken as a number. */
function slowAddresses(text: string): string[] {
  const all = new Set<string>();
  for (const token of listTokens(text)) {
    const p = parseTargetToken(token);
    if (p.kind !== 'addresses') continue;
    for (const iv of p.intervals) for (let a = iv.lo as number; a <= (iv.hi as number); a++) all.add(formatIPv4(a));
  }
  return [...all].sort((a, b) => parseIPv4(a)! - parseIPv4(b)!);
}

describe('parseIPv4Span', () => {
  it('reads a part of a string as parseIPv4 reads it cut out', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24, unit: fc.constantFrom(...'0123456789.  \t1x') }), fc.nat(24), fc.nat(24), (s, a, b) => {
        const [from, to] = [Math.min(a, b, s.length), Math.min(Math.max(a, b), s.length)];
        expect(parseIPv4Span(s, from, to)).toBe(parseIPv4(s.slice(from, to)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('V4Singles', () => {
  it('gives sorted intervals that neither overlap nor adjoin, repeats and neighbours merged, and empties', () => {
    const s = new V4Singles();
    for (const a of [9, 3, 4, 3, 0xffffffff, 5, 20, 0, 19, 0xfffffffe]) s.push(a);
    const take = (): Array<[number, number]> => s.take().map((iv: Interval) => [iv.lo as number, iv.hi as number]);
    expect(take()).toEqual([[0, 0], [3, 5], [9, 9], [19, 20], [0xfffffffe, 0xffffffff]]);
    expect(s.length).toBe(0);
    for (let a = 5000; a > 0; a -= 2) s.push(a); // past its first buffer
    expect(s.take()).toHaveLength(2500);
  });
});

describe('an -iL list of addresses, one a line', () => {
  it('gives the set every token parsed gives: blanks, CRLF, tabs, comments, repeats and other forms mixed in', async () => {
    const lines = fc.oneof(
      fc.tuple(fc.nat(40), fc.constantFrom('', ' ', '\t', '\r', ' \r', '  \t'), fc.constantFrom('', ' ', '\t')).map(([n, after, before]) => `${before}127.0.0.${n}${after}`),
      fc.nat(40).map((n) => `127.0.0.${n} # web ${n}`),
      fc.tuple(fc.nat(40), fc.nat(40)).map(([a, b]) => `127.0.0.${a}, 127.0.0.${b}`),
      fc.nat(40).map((n) => `127.0.0.${n}-${n + 3}`),
      fc.constantFrom('', '# only a comment', '   ', '127.0.0.32/30', '127.0.0.1,5'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(lines, { minLength: 1, maxLength: 30 }), async (list) => {
        const text = list.join('\n');
        const expected = slowAddresses(text);
        fc.pre(expected.length > 0);
        expect(await addressesOf(text)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('names the right line of a bad target after lines read as numbers', async () => {
    const path = join(scratchDir(), 'list.txt');
    writeFileSync(path, '127.0.0.1\r\n\t127.0.0.2 \r\n# note\n127.0.0.3\n127.0.0.500\n');
    await expect(buildTargets({ targets: [], inputFile: path }, noDns)).rejects.toThrow(`'${path}' line 5: bad target '127.0.0.500'`);
  });

  it('holds 300,000 scattered addresses and their neighbours merged, as many lines as given', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 150_000; i++) {
      const a = 0x7f000000 + i * 7; // 127.x.y.z, apart
      lines.push(formatIPv4(a), formatIPv4(a + 1));
    }
    const path = join(scratchDir(), 'big.txt');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const { set } = await buildTargets({ targets: [], inputFile: path }, noDns);
    expect(set.count).toBe(300_000);
    expect(set.at(0)).toBe('127.0.0.0');
    expect(set.at(1)).toBe('127.0.0.1');
    expect(set.at(2)).toBe('127.0.0.7');
    expect(set.at(299_999)).toBe(formatIPv4(0x7f000000 + 149_999 * 7 + 1));
  });
});
