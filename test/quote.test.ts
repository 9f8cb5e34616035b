/**
 * quote(): user input as an error message quotes it, control characters
 * escaped and cut to QUOTE_MAX. It escaped the whole text before cutting: a
 * 20 MB `-iL` file of NUL bytes (one token) became 120 M characters, and the
 * CLI died out of heap with V8's stack trace (exit 134, after ~21 s).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QUOTE_MAX, escapeControls, quote } from '../src/errors.js';
import { runCli, scratchDir } from './helpers/cli.js';

/** What quote() must give: the whole text escaped, then cut. */
function reference(text: string): string {
  const chars = [...escapeControls(text)];
  return chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX - 1).join('')}…` : chars.join('');
}

describe('quote', () => {
  it('escapes control characters and cuts long text, as before', () => {
    expect(quote('a\nb\u0000')).toBe('a\\nb\\u0000');
    expect(quote('x'.repeat(QUOTE_MAX))).toBe('x'.repeat(QUOTE_MAX));
    expect(quote('x'.repeat(QUOTE_MAX + 1))).toBe(`${'x'.repeat(QUOTE_MAX - 1)}…`);
    expect(quote('\u0000'.repeat(10))).toBe(`${'\\u0000'.repeat(7)}\\u000…`);
  });

  it('gives what escaping the whole text and then cutting gives, for any text', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\n', '\u2028', '\u009f', 'é', '😀'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })), maxLength: 3 * QUOTE_MAX });
    fc.assert(fc.property(text, (t) => quote(t) === reference(t)));
  });

  it('the CLI refuses a 20 MB -iL file of NUL bytes in one line, at once (run with no network)', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'z.txt'), Buffer.alloc(20 << 20));
    const r = await runCli(['-iL', 'z.txt', '-p', '1', '--no-out-dir'], { cwd: dir, prefix: 'unshare -n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shardscan: error: 'z.txt' line 1: bad target '${'\\u0000'.repeat(7)}\\u000…': not an address, network, range or host name. Examples: 127.0.0.1, 127.0.0.0/24, 127.0.0.1-127.0.0.9, 127.0.1-3.1-10, ::1, localhost\n`);
  }, 60_000);
});
