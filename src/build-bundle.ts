/**
 * Build step (npm run build), after tsc: bundle the two programs that start on
 * every scan: the CLI, in place (dist/src/cli/main.js, with what it loads
 * lazily in chunks under dist/src/cli/bundle/), and the worker's scan module
 * (dist/workers/scan-worker.js) into one CommonJS file, scan-worker.cjs, which
 * workers/entry.cts requires.
 *
 * Why: loading ~150 ES modules one by one (resolve, read, compile and link
 * each) took ~100 ms of a 1-port scan's start-up, and yargs alone ~120 ms to
 * import. The CLI is split where it imports lazily (merge, status, resume,
 * --metrics, the in-process runner, the pool) so a scan still loads only what
 * it runs: one file with everything cost 4-5 MB more peak RSS.
 *
 * Why the worker is CommonJS: Node 20 loads the same code faster so, and every
 * worker thread loads it as it boots (require() of scan-worker.cjs 18-23 ms,
 * import() of the ES bundle 28-38 ms); a worker that never starts the ES
 * module loader also holds less: peak RSS of 127.0.0.0/14 × 1 port with -oN
 * 90.5 MiB against 92.9, of a resume of 127.0.0.0/12 91.2 against 94.0 (two
 * workers, two runs each).
 *
 * Why the CLI is not: as one CommonJS file it started a 1-port scan in
 * 195-215 ms against 227-241 ms, but that file is held and pre-parsed whole,
 * and peak RSS grew ~6 MiB (127.0.0.0/14 × 1 port with -oN: 96.3 MiB, median
 * of 6, against 90.5 with these chunks), past the 100 MB the bench allows.
 *
 * The library (dist/src/index.js) and everything else stay as tsc wrote them,
 * and the CLI's path does not change, so packagePath() finds the same files.
 */
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { type BuildOptions, type Plugin, build } from 'esbuild';
import { packagePath } from './paths.js';

/** CommonJS dependencies (ajv's runtime, yargs' helpers) call require(); an ES module has none of its own. */
const REQUIRE_SHIM = "import { createRequire as __shardscanRequire } from 'node:module';\nconst require = __shardscanRequire(import.meta.url);";

/** A module-level `const NAME = new Intl.Segmenter();` or `const NAME = /…\p{…}…/flags;`. */
const EAGER_UNICODE = /^const (\w+) = (new Intl\.Segmenter\(\)|\/.*\\p\{.*\/[a-z]*);$/gm;

/**
 * string-width (yargs' help layout) builds an Intl.Segmenter and regexes of
 * Unicode properties as it loads: ~27 ms of every start (ICU data), for text
 * that only --help and error messages measure. Each becomes a getter that
 * builds it on first use. A string-width that no longer matches fails the
 * build, so a dependency update cannot quietly bring the cost back.
 */
const lazyStringWidth: Plugin = {
  name: 'lazy-string-width',
  setup(b) {
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
      const names: string[] = [];
      let code = readFileSync(args.path, 'utf8').replace(EAGER_UNICODE, (_, name: string, init: string) => {
        names.push(name);
        return `let ${name}$built;\nconst ${name}$get = () => (${name}$built ??= ${init});`;
      });
      if (!code.includes('Intl.Segmenter') || code.includes('= new Intl.Segmenter();')) {
        throw new Error(`lazy-string-width: ${args.path} no longer has the expected module-level Intl.Segmenter`);
      }
      for (const name of names) code = code.replace(new RegExp(`(?<![\\w$.])${name}(?![\\w$])(?!\\$)`, 'g'), `${name}$get()`);
      return { contents: code, loader: 'js' };
    });
  },
};

/**
 * yargs' factory calls .version() with no argument, which guesses the version
 * from a package.json found by listing every directory from the user's cwd up
 * to / (bundled, yargs cannot find its own; measured ~4 ms from a /tmp of 4,500
 * entries, more from a larger one). The CLI sets its own version right after,
 * so the guess is dropped. A factory that no longer has the call fails the build.
 */
const noVersionGuess: Plugin = {
  name: 'no-version-guess',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]yargs-factory\.js$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      const call = /\n(\s*)yargs\.help\(\);\n\s*yargs\.version\(\);\n/;
      if (!call.test(code)) throw new Error(`no-version-guess: ${args.path} no longer calls yargs.version() in its factory`);
      return { contents: code.replace(call, '\n$1yargs.help();\n'), loader: 'js' };
    });
  },
};

/**
 * yargs' ES shim imports strictEqual and notStrictEqual from node:assert,
 * which cost 1-5 ms of every start (timed import()); they come from
 * src/cli/lazy-assert.ts instead, which loads assert only when a check fails.
 * A yargs that no longer imports assert there fails the build.
 */
const lazyAssert: Plugin = {
  name: 'lazy-assert',
  setup(b) {
    let used = false;
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) => {
      if (!/[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/.test(args.importer)) return undefined;
      used = true;
      return { path: packagePath('dist', 'src', 'cli', 'lazy-assert.js') };
    });
    b.onEnd((result) => {
      if (result.errors.length === 0 && !used) throw new Error('lazy-assert: yargs no longer imports assert in its ES platform shim');
    });
  },
};

const common: BuildOptions = {
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: REQUIRE_SHIM },
  sourcemap: false,
  // Piscina starts its workers from its own worker.js, found through __dirname;
  // prom-client (and its 50 OpenTelemetry modules) loads only with --metrics.
  external: ['piscina', 'prom-client'],
  logLevel: 'warning',
};

const cliDir = packagePath('dist', 'src', 'cli');
// Chunk names carry a content hash: clear the old ones first.
rmSync(packagePath('dist', 'src', 'cli', 'bundle'), { recursive: true, force: true });
await build({ ...common, plugins: [lazyStringWidth, noVersionGuess, lazyAssert], entryPoints: [packagePath('dist', 'src', 'cli', 'main.js')], outdir: cliDir, entryNames: '[name]', chunkNames: 'bundle/[name]-[hash]', splitting: true });
await build({
  ...common,
  format: 'cjs',
  // CommonJS has no import.meta: the modules that read import.meta.url (packagePath, createRequire) get the bundle's own URL.
  // "use strict" first, where it takes effect (esbuild writes its own after the banner), as it was for the ES module.
  define: { 'import.meta.url': '__shardscanUrl' },
  banner: { js: '"use strict";\nconst __shardscanUrl = require("node:url").pathToFileURL(__filename).href;' },
  entryPoints: [packagePath('dist', 'workers', 'scan-worker.js')],
  outfile: packagePath('dist', 'workers', 'scan-worker.cjs'),
});
// The bin runs through its shebang (npx shardscan, a global install).
chmodSync(packagePath('dist', 'src', 'cli', 'main.js'), 0o755);
