/**
 * Build step (npm run build): compile schemas/*.schema.json into standalone
 * validator code, one file per schema (dist/schemas/<name>.validator.cjs), so
 * the CLI does not load ajv's compiler at start-up and a scan loads only the
 * config's validator. See src/schemas.ts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { packagePath } from './paths.js';
import { SCHEMA_NAMES, builtValidatorPath, newAjv } from './schemas.js';

const require = createRequire(import.meta.url);
const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;

const ajv = newAjv({ source: true });
const dir = packagePath('dist', 'schemas');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (const n of SCHEMA_NAMES) writeFileSync(builtValidatorPath(n), standaloneCode(ajv, { [n]: `${n}.schema.json` }));
