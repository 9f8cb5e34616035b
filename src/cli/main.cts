#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=1 --max-inlined-bytecode-size-cumulative=250
/**
 * The shardscan command (package.json's bin). The CLI itself (start.ts and
 * everything it loads) is bundled by the build into dist/src/cli/bundle/ as
 * CommonJS chunks, which chunk-loader.cts loads with V8's code cache.
 *
 * CommonJS, not an ES module like the rest: Node starts a CommonJS program
 * sooner (it does not set up its ES module loader: a 1-port scan 12-17 ms
 * sooner than from main.js, see build-bundle.ts), and this file stands
 * before every scan. dist/src/cli/main.js, which the build writes,
 * runs this file, for the commands that name it.
 */
import { join } from 'node:path';
import { loadChunk, writeCaches } from './chunk-loader.cjs';
import { fatalLine } from './fatal.cjs';

// The build's code-cache runs (src/build-bundle.ts): save the bytecode of every chunk at exit.
if (process.env.SHARDSCAN_WRITE_CODE_CACHE === '1') process.on('exit', writeCaches);
try {
  loadChunk(join(__dirname, 'bundle', 'start.cjs'));
} catch (err) {
  // start.ts catches what fails once it runs; this is loading it (a tiny `ulimit -n`, a broken install).
  process.stderr.write(fatalLine(err));
  process.exitCode = 1;
}
