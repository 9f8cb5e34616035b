/**
 * The JSON Schemas in schemas/, enforced with ajv: config when it is loaded;
 * records, manifests and checkpoints when read back (merge, validate, resume)
 * and in the tests; the summary (--summary-json, a json report's) in the tests.
 *
 * `npm run build` compiles every schema ahead of time with ajv's standalone
 * code generator, one file each (dist/schemas/<name>.validator.cjs): a scan
 * loads only the config's, where importing ajv and compiling at start-up cost
 * ~55 ms of every scan, and one file with all six (440 KB) ~10 ms.
 * Without the build output (a fresh checkout under vitest) ajv compiles at
 * run time, from the same schema files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { quote } from './errors.js';
import { packagePath } from './paths.js';

export type SchemaName = 'config' | 'record' | 'manifest' | 'checkpoint' | 'bench' | 'banners' | 'summary';
export const SCHEMA_NAMES: readonly SchemaName[] = ['config', 'record', 'manifest', 'checkpoint', 'bench', 'banners', 'summary'];

/** The regex the schemas' "date-time" format means (a regex here saves the ajv-formats dependency). */
export const ISO_TIME_SOURCE = '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?:Z|[+-]\\d\\d:\\d\\d)$';

const require = createRequire(import.meta.url);
const validators = new Map<SchemaName, ValidateFunction>();
let compiled: import('ajv').Ajv | undefined;

/** The parsed schema document. */
export function schemaDocument(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(packagePath('schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

/** Options shared by the run-time compiler and the build-time generator. */
export const AJV_OPTIONS = { allErrors: false, strict: true, allowUnionTypes: true } as const;

/** An ajv instance holding every schema (so $refs between them resolve by $id). */
export function newAjv(code?: { source: boolean }): import('ajv').Ajv {
  const { Ajv } = require('ajv') as typeof import('ajv');
  const ajv = new Ajv({ ...AJV_OPTIONS, formats: { 'date-time': new RegExp(ISO_TIME_SOURCE) }, ...(code ? { code } : {}) });
  for (const n of SCHEMA_NAMES) ajv.addSchema(schemaDocument(n), `${n}.schema.json`);
  return ajv;
}

/** Where the build writes a schema's standalone validator. */
export function builtValidatorPath(name: SchemaName): string {
  return packagePath('dist', 'schemas', `${name}.validator.cjs`);
}

function load(name: SchemaName): ValidateFunction {
  const built = builtValidatorPath(name);
  if (existsSync(built)) return (require(built) as Record<SchemaName, ValidateFunction>)[name];
  compiled ??= newAjv();
  return compiled.getSchema(`${name}.schema.json`)!;
}

/** A validator for one of the package's schemas. */
export function validator(name: SchemaName): ValidateFunction {
  let v = validators.get(name);
  if (!v) validators.set(name, (v = load(name)));
  return v;
}

/** One line that names the failing field, e.g. "/timeoutMs must be >= 1". */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid';
  const where = e.instancePath === '' ? '(top level)' : quote(e.instancePath);
  if (e.keyword === 'additionalProperties') {
    return `${where}: unknown key '${quote(String((e.params as { additionalProperty: string }).additionalProperty))}'`;
  }
  if (e.keyword === 'enum') {
    return `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where} ${e.message ?? 'is invalid'}`;
}
