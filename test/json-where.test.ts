import fc from 'fast-check';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { duplicateKey, jsonErrorOffset, jsonWhere, lineAndColumn } from '../src/json-where.js';
import { loadConfigFile } from '../src/config/index.js';
import { jsonProblem } from '../src/errors.js';
import { loadTuning } from '../src/config/tuning.js';
import { scratchDir } from './helpers/cli.js';

/** JSON.parse's verdict, as the locator's is compared to it. */
const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('a key given twice in one object (JSON.parse keeps the last)', () => {
  it('is found with both offsets, at any depth, escaped or not; JSON.stringify never gives one', () => {
    expect(duplicateKey('{"a":1,"b":{"a":2},"a":3}')).toMatchObject({ key: 'a', first: 1, again: 19 });
    expect(duplicateKey('[{"x":[{"k":1,"\\u006b":2}]}]')).toMatchObject({ key: 'k', first: 8, again: 14 });
    expect(duplicateKey('{"a":"a","b":{"a":1},"c":[{"a":2},{"a":3}]}')).toBeNull();
    fc.assert(fc.property(fc.jsonValue(), (v) => duplicateKey(JSON.stringify(v)) === null), { numRuns: 300 });
  });
});

describe('where a JSON text stops being JSON', () => {
  it('agrees with JSON.parse on what is JSON, for any JSON value and for mangled ones', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.boolean(), (v, pretty) => jsonErrorOffset(JSON.stringify(v, null, pretty ? 2 : 0)) === null), { numRuns: 300 });
    // Characters JSON is made of, so most draws are near misses, not noise.
    const near = fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789-.eE+ \n\\tfalsenull"ab'.split('')), maxLength: 24 });
    fc.assert(fc.property(near, (text) => (jsonErrorOffset(text) === null) === parses(text)), { numRuns: 3000 });
    fc.assert(fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom('}', ']', ',', ':', '"', 'x', ''), (v, at, cut) => {
      const text = JSON.stringify(v, null, 1);
      const i = at % (text.length + 1);
      const mangled = text.slice(0, i) + cut + text.slice(i + 1);
      return (jsonErrorOffset(mangled) === null) === parses(mangled);
    }), { numRuns: 1000 });
  });

  it('points where V8 points, when V8 gives a position', () => {
    for (const text of ['{\n "a": 1,\n}', '{"a" 1}', '{"a":1', '[1,2]x', '{"a": tru}', '"a\u0001"', '[01]', '{"a": -}', '"\\x"']) {
      let message = '';
      try {
        JSON.parse(text);
      } catch (err) {
        message = (err as Error).message;
      }
      const v8 = /at position (\d+)/.exec(message);
      if (v8 !== null) expect(jsonErrorOffset(text), `${JSON.stringify(text)}: ${message}`).toBe(Number(v8[1]));
      else expect(jsonErrorOffset(text), JSON.stringify(text)).not.toBeNull();
    }
    // Too short: the place is its end.
    expect(jsonErrorOffset('{"a":[1,')).toBe(8);
    expect(jsonErrorOffset('')).toBe(0);
  });

  it('gives lines and columns from 1', () => {
    expect(lineAndColumn('abc', 0)).toBe('line 1, column 1');
    expect(lineAndColumn('{\n  "a": 1,\n  "b": }', 19)).toBe('line 3, column 8');
    expect(lineAndColumn('a\n', 2)).toBe('line 2, column 1');
    expect(jsonWhere('{"a": 1}')).toBe('');
  });

  it("names the line and column of a --config file's mistake (V8 gave none for \"Unexpected token '}'\")", () => {
    const dir = scratchDir();
    const path = join(dir, 'scan.json');
    writeFileSync(path, '{\n  "ports": "22",\n  "rate": }\n');
    expect(() => loadConfigFile(path)).toThrow(`config file '${path}' is not valid JSON: Unexpected token '}' (line 3, column 11)`);
    // A trailing comma: V8's "in JSON at position 23" becomes the line and column.
    writeFileSync(path, '\uFEFF{\n  "ports": "22",\n}\n');
    expect(() => loadConfigFile(path)).toThrow(`config file '${path}' is not valid JSON: Expected double-quoted property name (line 3, column 1)`);
    // Text after the value: V8's "after JSON at position 14" is said once, as the line and column.
    writeFileSync(path, '{"ports":"1"} x\n');
    expect(() => loadConfigFile(path)).toThrow(new RegExp(`^config file '${path}' is not valid JSON: Unexpected non-whitespace character \\(line 1, column 15\\)$`));
  });

  it("drops V8's position also in the form Node 21 and later give it", () => {
    const text = '{"ports":"1"} x';
    for (const v8 of ['after JSON at position 14', 'after JSON at position 14 (line 1 column 15)']) {
      expect(jsonProblem(new SyntaxError(`Unexpected non-whitespace character ${v8}`), text)).toBe('Unexpected non-whitespace character (line 1, column 15)');
    }
  });

  it('names them in a damaged tuning file too', () => {
    const path = join(scratchDir(), 'tuning.json');
    writeFileSync(path, '{"workers": 2,\n "concurrency": 10,,\n}');
    expect(() => loadTuning(path)).toThrow(`tuned defaults '${path}' are damaged (Expected double-quoted property name (line 2, column 20)); delete the file`);
  });
});
