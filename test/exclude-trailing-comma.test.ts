/**
 * An --exclude value that ends with a comma. `--exclude 127.0.0.1, 127.0.0.2`
 * is two arguments to the shell: the value "127.0.0.1," (its comma was
 * dropped) and a target 127.0.0.2, which was scanned, the one host the user
 * meant to leave out. It is refused, as is an empty item, and a target that
 * starts with a comma beside --exclude (a space before the comma); a list
 * file's line that ends with a comma is still read (no shell splits a file).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsToConfig } from '../src/cli/options.js';
import { buildTargets } from '../src/targets/parse.js';
import { runCli, scratchDir } from './helpers/cli.js';

const SPACE = "a space after a comma starts a new argument, which would be scanned as a target: write the list as one word, e.g. --exclude 127.0.0.1,127.0.0.2";

describe('--exclude with an empty item', () => {
  it('is refused in one line with exit 2, and nothing is scanned (127.0.0.2 was)', async () => {
    const r = await runCli(['127.0.0.1', '--exclude', '127.0.0.1,', '127.0.0.2', '-p', '9', '--states', 'all', '-f', 'csv', '--no-out-dir', '-q']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(`shardscan: error: bad --exclude '127.0.0.1,': it ends with a comma; ${SPACE}\n`);
  });

  it.each([
    ['127.0.0.1,', `bad --exclude '127.0.0.1,': it ends with a comma; ${SPACE}`],
    ['127.0.0.0/30 , ', `bad --exclude '127.0.0.0/30 , ': it ends with a comma; ${SPACE}`],
    [',127.0.0.2', "bad --exclude ',127.0.0.2': an empty item between commas; e.g. --exclude 127.0.0.1,127.0.0.2"],
    ['127.0.0.1,,127.0.0.2', "bad --exclude '127.0.0.1,,127.0.0.2': an empty item between commas; e.g. --exclude 127.0.0.1,127.0.0.2"],
    ['127.0.0.1, ,127.0.0.2', "bad --exclude '127.0.0.1, ,127.0.0.2': an empty item between commas; e.g. --exclude 127.0.0.1,127.0.0.2"],
  ])('%j is refused (E_OPTION)', (value, message) => {
    expect(() => flagsToConfig({ targets: ['127.0.0.0/29'], exclude: value })).toThrow(expect.objectContaining({ code: 'E_OPTION', message }));
    // Given twice, each value is checked.
    expect(() => flagsToConfig({ targets: ['127.0.0.0/29'], exclude: ['127.0.0.5', value] })).toThrow(message);
  });

  it('a space before the comma: the target it splits off is refused (127.0.0.2 was scanned)', async () => {
    const r = await runCli(['127.0.0.1-2', '--exclude', '127.0.0.1', ',127.0.0.2', '-p', '9', '--states', 'all', '-f', 'csv', '--no-out-dir', '-q']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe("shardscan: error: bad target ',127.0.0.2' with --exclude: it starts with a comma; a space before a comma starts a new argument, which is scanned as a target: write the --exclude list as one word, e.g. --exclude 127.0.0.1,127.0.0.2\n");
    // Without --exclude, a target list split so still means what it says.
    expect(flagsToConfig({ targets: ['127.0.0.1', ',127.0.0.2'] }).targets).toEqual(['127.0.0.1', ',127.0.0.2']);
  });

  it('takes a list in one word, a quoted list with spaces, and the nmap octet form', () => {
    for (const value of ['127.0.0.1,127.0.0.2', '127.0.0.1, 127.0.0.2', '127.0.0.1,5']) {
      expect(flagsToConfig({ targets: ['127.0.0.0/29'], exclude: value }).exclude).toEqual([value]);
    }
  });

  it('still reads an --exclude-file whose line ends with a comma', async () => {
    const file = join(scratchDir(), 'skip.txt');
    writeFileSync(file, '127.0.0.1,\n127.0.0.2,127.0.0.3,\n');
    const { set } = await buildTargets({ targets: ['127.0.0.0/29'], excludeFile: file });
    expect(Array.from({ length: set.count }, (_, i) => set.at(i))).toEqual(['127.0.0.0', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']);
  });
});
