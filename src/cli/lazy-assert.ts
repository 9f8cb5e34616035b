/**
 * strictEqual and notStrictEqual for yargs, without node:assert at start-up.
 * yargs' ES shim imports them from node:assert for checks of its own API use
 * that never fail in a working CLI; loading assert (with its AssertionError,
 * colors and call tracker) cost 1-5 ms of every start. These compare as
 * assert does (Object.is) and call the real function only when the check
 * fails, so a failure throws assert's own error. The build points yargs'
 * import here (src/build-bundle.ts, lazyAssert).
 */
import { createRequire } from 'node:module';

type Assert = typeof import('node:assert');

/** node:assert itself, loaded on the first failed check (as src/files.ts loads node:tty). */
const nodeAssert = (): Assert => createRequire(import.meta.url)('node:assert') as Assert;

export function strictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (Object.is(actual, expected)) return;
  const assert: Assert = nodeAssert();
  assert.strictEqual(actual, expected, message);
}

export function notStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (!Object.is(actual, expected)) return;
  const assert: Assert = nodeAssert();
  assert.notStrictEqual(actual, expected, message);
}
