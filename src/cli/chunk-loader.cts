/**
 * Loads the CLI's bundle (dist/src/cli/bundle/*.cjs, written by
 * src/build-bundle.ts) with V8's code cache: each chunk is compiled by
 * vm.Script with the bytecode the build saved for it (<chunk>.v8cache), so
 * the functions a scan runs are not parsed and compiled again at every start.
 *
 * Why: a 1-port scan spent most of its ~200 ms start-up loading and compiling
 * code (a second run of the same command in one process took ~8 ms). Node 20
 * has no code cache for ES modules (module.enableCompileCache came in 22),
 * and CommonJS chunks with this cache started it in ~40 ms less (see
 * build-bundle.ts for the figures).
 *
 * A cache V8 refuses (another Node or V8, other V8 flags, a changed chunk) is
 * only slower: V8 checks it and compiles the source as usual. The build writes
 * the caches by running two loopback scans with SHARDSCAN_WRITE_CODE_CACHE
 * set (build-bundle.ts): at exit every chunk a scan loaded saves its bytecode,
 * the functions that scan ran included.
 *
 * CommonJS on purpose: the bin (main.cts) requires it before anything else.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Script } from 'node:vm';

interface Loaded {
  exports: unknown;
}

/** What a chunk's load did with its cache, for tests and the build. */
export type CacheUse = 'used' | 'rejected' | 'none';

const modules = new Map<string, Loaded>();
const scripts = new Map<string, Script>();
const uses = new Map<string, CacheUse>();

/** Where a chunk's code cache lives. */
export function cachePath(file: string): string {
  return `${file}.v8cache`;
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(cachePath(file));
  } catch (err) {
    // No cache (a build that has not written one yet): compiled from source. Anything else (EMFILE) is a failure to start.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The exports of a chunk (an absolute path), loaded once. Inside it, require()
 * of a relative path ("./chunk-X.cjs") loads a sibling chunk the same way;
 * anything else (node:*, piscina, the validators) goes to Node's require.
 */
export function loadChunk(file: string): unknown {
  const known = modules.get(file);
  if (known) return known.exports;
  const source = readFileSync(file, 'utf8');
  const cachedData = readCache(file);
  // Node's own wrapper for a CommonJS module, so line numbers in stack traces stay the chunk's.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, cachedData });
  uses.set(file, cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'used');
  scripts.set(file, script);
  const dir = dirname(file);
  const nodeRequire = createRequire(file);
  const chunkRequire = (id: string): unknown => (id.startsWith('./') ? loadChunk(resolve(dir, id)) : nodeRequire(id));
  const module: Loaded = { exports: {} };
  // Set before it runs, as Node does: a cycle between chunks sees the exports esbuild defines first.
  modules.set(file, module);
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, chunkRequire, module, file, dir);
  return module.exports;
}

/** How each chunk loaded so far used its cache. */
export function cacheUses(): ReadonlyMap<string, CacheUse> {
  return uses;
}

/** Save the code cache of every chunk loaded so far (the build's warm-up run does, at its exit). */
export function writeCaches(): void {
  for (const [file, script] of scripts) writeFileSync(cachePath(file), script.createCachedData());
}
