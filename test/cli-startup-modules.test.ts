/**
 * What a scan loads as it starts: Node's built-in modules cost ~1 ms and more
 * each to load, so a scan of addresses loads no resolver (node:dns/promises
 * comes with the first host name) and no node:assert (yargs' checks of its
 * own API use go through src/cli/lazy-assert.ts, which loads it only when
 * one fails).
 */
import assert from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notStrictEqual, strictEqual } from '../src/cli/lazy-assert.js';
import { runCli, scratchDir } from './helpers/cli.js';

/** The built-in modules the CLI's main thread had loaded when it exited, the files Node's require() loaded, and its stdout. */
async function modulesLoaded(args: string[]): Promise<{ loaded: string[]; files: string[]; stdout: string }> {
  const dir = scratchDir();
  const preload = join(dir, 'modules.cjs');
  const list = join(dir, 'modules.json');
  writeFileSync(preload, `if (require('node:worker_threads').isMainThread) process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify([process.moduleLoadList, Object.keys(require.cache)])));\n`);
  const r = await runCli(args, { cwd: dir, env: { NODE_OPTIONS: `--require ${preload}` } });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const [loaded, files] = JSON.parse(readFileSync(list, 'utf8')) as [string[], string[]];
  return { loaded, files, stdout: r.stdout };
}

describe('start-up', () => {
  it('a scan of addresses loads neither node:assert nor node:dns/promises', async () => {
    const { loaded } = await modulesLoaded(['127.0.0.1', '-p', '1', '-q', '--no-out-dir']);
    expect(loaded).toContain('NativeModule net'); // the list is the real one
    expect(loaded).not.toContain('NativeModule assert');
    expect(loaded).not.toContain('NativeModule dns/promises');
  });

  it('a scan loads nothing from node_modules: the config validator has ajv\'s helpers built in', async () => {
    const { files } = await modulesLoaded(['127.0.0.1', '-p', '1', '-q', '--no-out-dir']);
    expect(files.some((f) => f.endsWith('config.validator.cjs'))).toBe(true); // the list is the real one
    expect(files.filter((f) => f.includes('node_modules'))).toEqual([]);
  });

  it('a host name loads the resolver and is scanned at its address', async () => {
    const { loaded, stdout } = await modulesLoaded(['localhost', '-4', '-p', '1', '-q', '--no-out-dir', '-f', 'ndjson', '--states', 'all']);
    expect(loaded).toContain('NativeModule dns/promises');
    expect(stdout.trim().split('\n').map((l) => (JSON.parse(l) as { host: string; port: number }))).toEqual([expect.objectContaining({ host: '127.0.0.1', port: 1 })]);
  });
});

describe("yargs' assert stand-ins", () => {
  it('pass where node:assert passes (Object.is: NaN is NaN, 0 is not -0)', () => {
    expect(() => strictEqual(1, 1)).not.toThrow();
    expect(() => strictEqual(Number.NaN, Number.NaN)).not.toThrow();
    expect(() => notStrictEqual(1, 2)).not.toThrow();
    expect(() => notStrictEqual(0, -0)).not.toThrow();
  });

  it("fail with node:assert's own error where it fails", () => {
    const thrown = (f: () => void): unknown => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return 'nothing thrown';
    };
    for (const [ours, theirs] of [
      [() => strictEqual(1, 2, 'one is not two'), () => assert.strictEqual(1, 2, 'one is not two')],
      [() => strictEqual(0, -0), () => assert.strictEqual(0, -0)],
      [() => notStrictEqual('a', 'a', 'same'), () => assert.notStrictEqual('a', 'a', 'same')],
    ] as const) {
      const err = thrown(ours);
      expect(err).toBeInstanceOf(assert.AssertionError);
      expect({ ...(err as object), message: (err as Error).message }).toEqual({ ...(thrown(theirs) as object), message: (thrown(theirs) as Error).message });
    }
  });
});
