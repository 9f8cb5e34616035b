/**
 * Build step (npm run build): compile schemas/*.schema.json into standalone
 * validator code, one file per schema (dist/schemas/<name>.validator.cjs), so
 * the CLI does not load ajv's compiler at start-up and a scan loads only the
 * config's validator. See src/schemas.ts.
 *
 * ajv's standalone code still require()s two helpers of its run time
 * (ajv/dist/runtime/ucs2length and equal, which loads fast-deep-equal):
 * esbuild bundles them into each file, since finding and loading those three
 * modules through node_modules took ~3 ms of every scan's start (the
 * validator itself ~1 ms).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { packagePath } from './paths.js';
import { SCHEMA_NAMES, builtValidatorPath, newAjv } from './schemas.js';

const require = createRequire(import.meta.url);
const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;

const ajv = newAjv({ source: true });
const dir = packagePath('dist', 'schemas');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (const n of SCHEMA_NAMES) {
  const file = builtValidatorPath(n);
  writeFileSync(file, standaloneCode(ajv, { [n]: `${n}.schema.json` }));
  const out = await build({ entryPoints: [file], outfile: file, allowOverwrite: true, bundle: true, format: 'cjs', platform: 'node', target: 'node20', write: false, metafile: true, minify: true, logLevel: 'warning' });
  const external = Object.values(out.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  if (external.length > 0) throw new Error(`build-validators: ${file} still requires ${external.join(', ')} at run time`);
  writeFileSync(file, out.outputFiles[0]!.text);
}
