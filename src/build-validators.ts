/**
 * Build step (npm run build): compile schemas/*.schema.json into standalone
 * validator code, dist/schemas/validators.cjs, so the CLI does not load ajv's
 * compiler at start-up. See src/schemas.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { packagePath } from './paths.js';
import { SCHEMA_NAMES, newAjv } from './schemas.js';

const require = createRequire(import.meta.url);
const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;

const ajv = newAjv({ source: true });
const refs = Object.fromEntries(SCHEMA_NAMES.map((n) => [n, `${n}.schema.json`]));
const code = standaloneCode(ajv, refs);
mkdirSync(packagePath('dist', 'schemas'), { recursive: true });
writeFileSync(packagePath('dist', 'schemas', 'validators.cjs'), code);
