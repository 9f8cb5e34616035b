/**
 * The validators the build writes (dist/schemas/<name>.validator.cjs) are
 * whole: ajv's run-time helpers are bundled into each, so a scan's start loads
 * no module from node_modules to check its config (src/build-validators.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_NAMES, builtValidatorPath } from '../src/schemas.js';

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string }[] | null };

/** A built validator, run with a require() that refuses every module. */
function loadAlone(name: string, file: string): Validate {
  const required: string[] = [];
  const exports: Record<string, Validate> = {};
  const module = { exports };
  new Function('exports', 'require', 'module', readFileSync(file, 'utf8'))(exports, (id: string) => {
    required.push(id);
    throw new Error(`required ${id}`);
  }, module);
  expect(required).toEqual([]);
  return (module.exports as Record<string, Validate>)[name]!;
}

describe('built validators', () => {
  it.each(SCHEMA_NAMES)('%s requires no module and still validates', (name) => {
    const validate = loadAlone(name, builtValidatorPath(name));
    expect(typeof validate).toBe('function');
    expect(validate('not an object')).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('type');
  });

  it("the config validator checks what ajv's helpers check: string lengths in code points, and uniqueness by deep equality", () => {
    const validate = loadAlone('config', builtValidatorPath('config'));
    expect(validate({ targets: ['127.0.0.1'], timeoutMs: 500 })).toBe(true);
    // minLength counts code points (ucs2length): an astral character is one, not an empty string.
    expect(validate({ targets: ['\u{1F600}'] })).toBe(true);
    expect(validate({ targets: [''] })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/targets/0', keyword: 'minLength' });
    expect(validate({ states: ['open', 'closed'] })).toBe(true);
    expect(validate({ states: ['open', 'open'] })).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/states', keyword: 'uniqueItems' });
  });
});
