/**
 * Build step (npm run build), after tsc: bundle the two programs that start on
 * every scan: the CLI (src/cli/start.ts and what it loads, in chunks under
 * dist/src/cli/bundle/, which the bin dist/src/cli/main.cjs loads), and the
 * worker's scan module (dist/workers/scan-worker.js) into one CommonJS file,
 * scan-worker.cjs, which workers/entry.cts requires.
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
 * Why the CLI's chunks are CommonJS too: esbuild splits only ES modules, so
 * the chunks are split as ES modules, then each is made CommonJS (its import()
 * of a chunk becoming a require() that src/cli/chunk-loader.cts serves), and
 * the chunk loader compiles them with V8's code cache, which Node 20 has for
 * no ES module. The caches are written here, by two loopback scans run as the
 * bin runs. A 1-port scan as typed (the bin, its shard directory), medians
 * of 30 alternating runs on 2026-12-06: 224.3 ms with the ES chunks, 176.0 ms
 * with these, 200.9 ms with these but no caches, 192.7 ms started from
 * main.js (an ES module, so Node sets up its ES loader first); node -e 0 65.5
 * ms. Peak RSS is the same (127.0.0.0/14 × 1 port, --states all -oN, 3 runs
 * each: 91.2-94.0 MiB with these, 91.9-95.2 with the ES chunks). One
 * CommonJS file for the whole CLI had started it in 195-215 ms against
 * 227-241 ms for the ES chunks, but held and pre-parsed everything: peak RSS
 * ~6 MiB higher (127.0.0.0/14 × 1 port with -oN: 96.3 MiB, median of 6,
 * against 90.5 with chunks), past the 100 MB the bench allows.
 *
 * The library (dist/src/index.js) and everything else stay as tsc wrote them.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type BuildOptions, type Plugin, build, transform } from 'esbuild';
import { CLI_BIN, CLI_NODE_FLAGS, cliEnv } from './cli/node-flags.js';
import { packagePath } from './paths.js';

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

/**
 * The ranked port list (data/tcp-ports.tsv), built into the CLI's bundle: read
 * at the first record that needs a service name, when a scan's connects may
 * hold every descriptor, it ended scans with Node's "EMFILE: too many open
 * files, open '…/tcp-ports.tsv'" and their reports empty (audit helpers 29 and
 * 31; a scan of 960 probes under ulimit -n 40 with SHARDSCAN_FD_LIMIT, 3 runs
 * of 4). Built in, it needs no descriptor. The library reads the file.
 */
const builtInPorts: Plugin = {
  name: 'built-in-ports',
  setup(b) {
    let used = false;
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/]ports[\\/]services\.js$/ }, (args) => {
      const read = "readFileSync(packagePath('data', 'tcp-ports.tsv'), 'utf8')";
      const code = readFileSync(args.path, 'utf8');
      if (!code.includes(read)) throw new Error(`built-in-ports: ${args.path} no longer reads data/tcp-ports.tsv as ${read}`);
      used = true;
      return { contents: code.replace(read, JSON.stringify(readFileSync(packagePath('data', 'tcp-ports.tsv'), 'utf8'))), loader: 'js', resolveDir: dirname(args.path) };
    });
    b.onEnd((result) => {
      if (result.errors.length === 0 && !used) throw new Error('built-in-ports: the CLI no longer bundles src/ports/services.js');
    });
  },
};

const common: BuildOptions = {
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  // Piscina starts its workers from its own worker.js, found through __dirname;
  // prom-client (and its 50 OpenTelemetry modules) loads only with --metrics.
  external: ['piscina', 'prom-client'],
  logLevel: 'warning',
};

const cliDir = packagePath('dist', 'src', 'cli');
const bundleDir = join(cliDir, 'bundle');
// Chunk names carry a content hash: clear the old ones (and their caches) first.
rmSync(bundleDir, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });
// The CLI: split where it imports lazily, as ES modules, then each chunk made CommonJS for the chunk loader.
const cli = await build({ ...common, write: false, plugins: [lazyStringWidth, noVersionGuess, lazyAssert, builtInPorts], entryPoints: [join(cliDir, 'start.js')], outdir: bundleDir, entryNames: '[name]', chunkNames: '[name]-[hash]', splitting: true });
for (const out of cli.outputFiles) {
  const { code } = await transform(out.text.replace(/^#!.*\n/, ''), {
    format: 'cjs',
    loader: 'js',
    platform: 'node',
    target: 'node20',
    // import() of a chunk becomes a require() the chunk loader serves; Node's import() would load it as an ES module.
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__shardscanUrl' },
    logLevel: 'warning',
  });
  const cjs = code.replace(/(require\("\.\/[\w-]+)\.js"\)/g, '$1.cjs")');
  if (/\bimport\(|require\("\.\/[^"]*\.js"\)/.test(cjs)) throw new Error(`bundle: ${basename(out.path)} still imports a chunk the chunk loader cannot serve`);
  // "use strict" first, where it takes effect, as it was for the ES module.
  const head = cjs.includes('__shardscanUrl') ? '"use strict";\nconst __shardscanUrl = require("node:url").pathToFileURL(__filename).href;\n' : '"use strict";\n';
  writeFileSync(out.path.replace(/\.js$/, '.cjs'), head + cjs);
}
// dist/src/cli/main.js, for the commands that name it: the bin (main.cjs), with the same shebang.
const shebang = readFileSync(CLI_BIN, 'utf8').split('\n', 1)[0]!;
if (!shebang.startsWith('#!')) throw new Error('bundle: dist/src/cli/main.cjs has no shebang to copy');
writeFileSync(join(cliDir, 'main.js'), `${shebang}\n// Written by the build (src/build-bundle.ts): the shardscan command is main.cjs (src/cli/main.cts).\nimport './main.cjs';\n`);
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
// The bin runs through its shebang (npx shardscan, a global install), and so may main.js.
for (const file of ['main.cjs', 'main.js']) chmodSync(join(cliDir, file), 0o755);

// The code caches: a 1-port scan of loopback (port 1 answers RST at once), then one on the pool of worker
// threads, run as the bin runs (its Node flags: V8 refuses a cache made under other flags), each saving at
// its exit the bytecode of every chunk it loaded; the second starts from the first's caches and adds to them.
for (const args of [['127.0.0.1', '-p', '1'], ['127.0.0.0/28', '-p', '1-1000', '--workers', '2']]) {
  const env = cliEnv({ ...process.env, SHARDSCAN_WRITE_CODE_CACHE: '1' });
  const r = spawnSync(process.execPath, [...CLI_NODE_FLAGS, CLI_BIN, ...args, '-q', '--no-out-dir'], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`bundle: the code-cache run (shardscan ${args.join(' ')}) exited with ${r.status ?? r.signal ?? r.error?.message}: ${r.stderr.trim().slice(0, 500)}`);
}
