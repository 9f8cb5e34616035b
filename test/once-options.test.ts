/**
 * Options that name one list or file, given twice: the last was used and the
 * others dropped without a word, so an excluded port or host was scanned
 * (`--exclude-ports 1 --exclude-ports 2` scanned port 1). Refused in one line,
 * as nmap refuses them. A config file's exclusions are not dropped by the
 * command line's either: ports add up, and a second exclude file is refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagsToConfig, normalizeArgv } from '../src/cli/options.js';
import { listClash } from '../src/cli/refusals.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

const clash = (args: string[]): string | null => listClash(normalizeArgv(['127.0.0.1', ...args]));

describe('an option that names one list, given twice', () => {
  it.each([
    [['--exclude-ports', '1', '--exclude-ports=2'], "--exclude-ports is given 2 times ('1', '2'); give one list, the ports separated by commas: --exclude-ports 1,2"],
    [['-iL', 'a.txt', '-iL', 'b.txt'], "-iL is given 2 times ('a.txt', 'b.txt'); give one file, as nmap takes one: put the targets of both in it, or give more targets on the command line"],
    [['-iL', 'a.txt', '--input-file', 'b.txt'], "-iL is given 2 times ('a.txt', 'b.txt'); give one file, as nmap takes one: put the targets of both in it, or give more targets on the command line"],
    [['--exclude-file', 'a.txt', '--excludefile', 'b.txt'], "--exclude-file is given 2 times ('a.txt', 'b.txt'); give one file: put the entries of both in it, or give more with --exclude (which adds up)"],
    [['--blocklist', 'a.tsv', '--blocklist=b.tsv'], "--blocklist is given 2 times ('a.tsv', 'b.tsv'); give one file: put the ranges of both in it (a second list does not add to the first: what the first blocks would be scanned)"],
    [['--config', 'a.json', '--config=b.json'], "--config is given 2 times ('a.json', 'b.json'); give one file: put the settings of both in it (a second file does not add to the first: its \"exclude\" would be dropped)"],
    [['-p', '80', '-p22'], "-p is given 2 times ('80', '22'); give one list, the ports separated by commas: -p 80,22"],
    // The joined list is user input too: cut and escaped as the quotes are (a fuzzed 300-character -p made a 560-character line).
    [['-p', '1', `-p=${'a'.repeat(300)}\x1b`], `-p is given 2 times ('1', '${'a'.repeat(47)}…'); give one list, the ports separated by commas: -p 1,${'a'.repeat(45)}…`],
  ])('%j is refused: %s', (args, message) => {
    expect(clash(args)).toBe(message);
  });

  it('once each, --exclude twice (it adds up), and after -- are not refused', () => {
    expect(clash(['-iL', 'a.txt', '--exclude-file', 'b.txt', '--exclude-ports', '1', '-p', '1-5'])).toBeNull();
    expect(clash(['--exclude', '127.0.0.2', '--exclude', '127.0.0.3'])).toBeNull();
    expect(clash(['-iL', 'a.txt', '--', '-iL'])).toBeNull();
  });

  it("a config file's --exclude-ports and the command line's add up; a second exclude file is refused, the same one taken", () => {
    const dir = scratchDir();
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ excludeFile: join(dir, 'a.txt'), excludePorts: '1' }));
    expect(flagsToConfig({ config, excludePorts: '2' }).excludePorts).toBe('1,2');
    expect(() => flagsToConfig({ config, excludeFile: join(dir, 'b.txt') })).toThrow(
      `--exclude-file '${join(dir, 'b.txt')}' would replace the config file's "excludeFile" '${join(dir, 'a.txt')}', and what that one leaves out would be scanned: put the entries of both in one file, or give more with --exclude (which adds up)`,
    );
    expect(flagsToConfig({ config, excludeFile: join(dir, '.', 'a.txt') }).excludeFile).toBe(join(dir, 'a.txt'));
  });

  it('the CLI refuses --config twice (the second dropped the first one\'s "exclude", and its host was scanned)', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'safety.json'), JSON.stringify({ exclude: ['127.0.0.5'] }));
    writeFileSync(join(cwd, 'ports.json'), JSON.stringify({ ports: '1-3' }));
    const r = await runCli(['--config', 'safety.json', '--config', 'ports.json', '127.0.0.1-127.0.0.6', '-f', 'csv', '--no-out-dir'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^shardscan: error: --config is given 2 times \('safety\.json', 'ports\.json'\); give one file: [^\n]*\n$/);
  });

  it("targets on the command line or -iL replace both of a config file's, \"targets\" and \"inputFile\" (its inputFile's hosts were scanned beside the one typed)", () => {
    const dir = scratchDir();
    const both = join(dir, 'both.json');
    writeFileSync(both, JSON.stringify({ targets: ['127.0.0.1'], inputFile: join(dir, 't3.txt') }));
    const typed = flagsToConfig({ config: both, targets: ['127.0.0.2'] });
    expect(typed.targets).toEqual(['127.0.0.2']);
    expect(typed.inputFile).toBeUndefined();
    expect(flagsToConfig({ config: both, inputFile: join(dir, 'mine.txt') })).toMatchObject({ inputFile: join(dir, 'mine.txt') });
    expect(flagsToConfig({ config: both, inputFile: join(dir, 'mine.txt') }).targets ?? []).toEqual([]);
    expect(flagsToConfig({ config: both })).toMatchObject({ targets: ['127.0.0.1'], inputFile: join(dir, 't3.txt') });
  });

  it("a --blocklist in place of a config file's \"blocklist\" is refused (helper 18: the host the file's list blocks was scanned); the same file, or --no-blocklist, is taken", () => {
    const dir = scratchDir();
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ blocklist: join(dir, 'a.tsv') }));
    expect(() => flagsToConfig({ config, blocklist: join(dir, 'b.tsv') })).toThrow(
      `--blocklist '${join(dir, 'b.tsv')}' would replace the config file's "blocklist" '${join(dir, 'a.tsv')}', and what that one blocks would be scanned: put the ranges of both in one file (--no-blocklist turns it off)`,
    );
    expect(flagsToConfig({ config, blocklist: join(dir, '.', 'a.tsv') }).blocklist).toBe(join(dir, 'a.tsv'));
    expect(flagsToConfig({ config, blocklist: false }).blocklist).toBe(false);
  });

  it('an empty target beside a config file is no target, not the file\'s whole list (helper 18: "$HOST" unset scanned its /29)', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'site.json'), JSON.stringify({ targets: ['127.0.0.0/29'], ports: '1' }));
    const r = await runCli(['--config', 'site.json', '', '-q', '--no-out-dir'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^shardscan: error: no targets given/);
  });

  it('the CLI scans only the host typed, not a config file\'s inputFile as well', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 't3.txt'), '127.0.0.3\n');
    writeFileSync(join(cwd, 'if.json'), JSON.stringify({ inputFile: 't3.txt', ports: '1', states: ['closed'] }));
    const r = await runCli(['--config', 'if.json', '127.0.0.2', '-f', 'ndjson', '-q', '--no-out-dir'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout).map((x) => x.host)).toEqual(['127.0.0.2']);
  });

  it('the CLI refuses --exclude-ports twice (it scanned port 1), and leaves out a config file\'s ports and the command line\'s', async () => {
    const cwd = scratchDir();
    const twice = await runCli(['127.0.0.1', '-p', '1-3', '--exclude-ports', '1', '--exclude-ports', '2', '--no-out-dir'], { cwd });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe("shardscan: error: --exclude-ports is given 2 times ('1', '2'); give one list, the ports separated by commas: --exclude-ports 1,2\n");
    writeFileSync(join(cwd, 'c.json'), JSON.stringify({ excludePorts: '1' }));
    const both = await runCli(['127.0.0.1', '-p', '1-3', '--config', 'c.json', '--exclude-ports', '2', '--states', 'all', '-f', 'ndjson', '-q', '--no-out-dir'], { cwd });
    expect(both.code, both.stderr).toBe(0);
    expect(ndjson(both.stdout).map((r) => r.port)).toEqual([3]);
  });
});
