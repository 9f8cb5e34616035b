/**
 * The chunk loader (src/cli/chunk-loader.cts): the CLI's CommonJS chunks,
 * loaded with V8's code cache; a cache V8 refuses only costs a compile.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_NODE_FLAGS, cliEnv } from '../src/cli/node-flags.js';
import { packagePath } from '../src/paths.js';

const LOADER = packagePath('dist', 'src', 'cli', 'chunk-loader.cjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Two chunks: a.cjs requires its sibling b.cjs and a built-in, as the bundle's chunks do. */
function chunks(b = 'module.exports = { n: 41 };'): string {
  const dir = mkdtempSync(join(tmpdir(), 'shardscan-test-chunks-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'a.cjs'), '"use strict";\nconst { n } = require("./b.cjs");\nmodule.exports = { answer: n + 1, sep: require("node:path").sep, self: __filename };\n');
  writeFileSync(join(dir, 'b.cjs'), b);
  return dir;
}

/** Load a.cjs in a fresh Node (the CLI's flags), optionally saving the caches; its exports and each chunk's cache use. */
function loadIn(dir: string, write: boolean, flags: readonly string[] = CLI_NODE_FLAGS): { exports: Record<string, unknown>; uses: Record<string, string> } {
  const script = `const l = require(${JSON.stringify(LOADER)}); const exports = l.loadChunk(${JSON.stringify(join(dir, 'a.cjs'))});
${write ? 'l.writeCaches();' : ''}
const uses = Object.fromEntries([...l.cacheUses()].map(([f, u]) => [require('node:path').basename(f), u]));
process.stdout.write(JSON.stringify({ exports, uses }));`;
  const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', env: cliEnv(process.env) });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { exports: Record<string, unknown>; uses: Record<string, string> };
}

describe('the chunk loader', () => {
  it('loads a chunk and its sibling, compiles from source without a cache, and uses the cache it wrote', () => {
    const dir = chunks();
    const first = loadIn(dir, true);
    expect(first.exports).toEqual({ answer: 42, sep: '/', self: join(dir, 'a.cjs') });
    expect(first.uses).toEqual({ 'a.cjs': 'none', 'b.cjs': 'none' });
    expect(readdirSync(dir).sort()).toEqual(['a.cjs', 'a.cjs.v8cache', 'b.cjs', 'b.cjs.v8cache']);
    const again = loadIn(dir, false);
    expect(again.exports).toEqual(first.exports);
    expect(again.uses).toEqual({ 'a.cjs': 'used', 'b.cjs': 'used' });
  });

  it('compiles from source where V8 refuses the cache: other V8 flags, or a chunk changed since', () => {
    const dir = chunks();
    loadIn(dir, true);
    const otherFlags = loadIn(dir, false, ['--max-semi-space-size=2']);
    expect(otherFlags.exports).toMatchObject({ answer: 42 });
    expect(otherFlags.uses).toEqual({ 'a.cjs': 'rejected', 'b.cjs': 'rejected' });
    writeFileSync(join(dir, 'b.cjs'), 'module.exports = { n: 99, longer: true };');
    const changed = loadIn(dir, false);
    expect(changed.exports).toMatchObject({ answer: 100 });
    expect(changed.uses).toEqual({ 'a.cjs': 'used', 'b.cjs': 'rejected' });
  });

  it('fails to load, rather than compiling quietly, where a cache cannot be read for another reason than its absence', () => {
    const dir = chunks();
    mkdirSync(join(dir, 'b.cjs.v8cache'));
    const script = `require(${JSON.stringify(LOADER)}).loadChunk(${JSON.stringify(join(dir, 'a.cjs'))});`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: cliEnv(process.env) });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/EISDIR/);
  });
});

describe('the built CLI', () => {
  it('loads every chunk of a 1-port scan with the cache the build wrote for it', () => {
    const bundle = packagePath('dist', 'src', 'cli', 'bundle');
    const script = `const l = require(${JSON.stringify(LOADER)});
process.on('exit', () => process.stderr.write(JSON.stringify([...l.cacheUses()].map(([f, u]) => [require('node:path').basename(f), u]))));
l.loadChunk(${JSON.stringify(join(bundle, 'start.cjs'))});`;
    // process.argv.slice(2) is the command line, as for the bin: '-e' has no script path, so one stands in.
    const r = spawnSync(process.execPath, [...CLI_NODE_FLAGS, '-e', script, 'bin', '127.0.0.1', '-p', '1', '-q', '--no-out-dir'], { encoding: 'utf8', env: cliEnv(process.env) });
    expect(r.status).toBe(0);
    const uses = JSON.parse(r.stderr) as Array<[string, string]>;
    expect(uses.map(([f]) => f)).toEqual(expect.arrayContaining(['start.cjs', expect.stringMatching(/^app-\w+\.cjs$/), expect.stringMatching(/^in-process-\w+\.cjs$/)]));
    expect(uses.filter(([, u]) => u !== 'used')).toEqual([]);
  });
});
