/**
 * Build step (npm run build), after tsc: bundle the two programs that start on
 * every scan, the CLI (dist/src/cli/main.js) and the worker's scan module
 * (dist/workers/scan-worker.js), each into one file, in place.
 *
 * Why: loading ~150 ES modules one by one (resolve, read, compile, link each)
 * took ~100 ms of a 1-port scan's ~300 ms before the first probe, and every
 * worker thread pays its share again. One file is compiled once. The library
 * (dist/src/index.js) and everything else stay as tsc wrote them; paths are
 * unchanged, so packagePath() and the pool find the same files.
 */
import { build } from 'esbuild';
import { packagePath } from './paths.js';

/** CommonJS dependencies (ajv's runtime, piscina, prom-client) call require(); an ES module has none of its own. */
const REQUIRE_SHIM = "import { createRequire as __shardscanRequire } from 'node:module';\nconst require = __shardscanRequire(import.meta.url);";

for (const file of [packagePath('dist', 'src', 'cli', 'main.js'), packagePath('dist', 'workers', 'scan-worker.js')]) {
  await build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: REQUIRE_SHIM },
    sourcemap: false,
    // Piscina starts its workers from its own worker.js, found through __dirname.
    external: ['piscina'],
    logLevel: 'warning',
  });
}
