/**
 * A mistyped subcommand as the first word (`shardscan Resume DIR`, `stauts`)
 * was taken for a host name and looked up in DNS: a typo could scan whatever
 * that name resolved to. It is refused in one line, naming the command meant
 * and how to scan a host of that name; names further from a command, and
 * names with a dot, are still hosts.
 */
import { describe, expect, it } from 'vitest';
import { argvRefusal } from '../src/cli/refusals.js';
import { commandTypo } from '../src/cli/spellings.js';
import { runCli } from './helpers/cli.js';

describe('a mistyped subcommand', () => {
  it.each([
    ['Resume', 'resume'],
    ['STATUS', 'status'],
    ['stauts', 'status'],
    ['statu', 'status'],
    ['statuss', 'status'],
    ['statas', 'status'],
    ['merg', 'merge'],
    ['mrege', 'merge'],
    ['Merge', 'merge'],
    ['valdiate', 'validate'],
    ['validat', 'validate'],
    ['Help', 'help'],
  ])('%s is refused as a typo of %s', (word, meant) => {
    expect(argvRefusal([word, '-p', '80'])).toBe(`'${word}' is not a command: did you mean '${meant}'? (To scan a host of that name, write it with a trailing dot: '${word}.')`);
  });

  it.each(['resume', 'merge', 'status', 'validate', 'help', 'serge', 'hemp', 'statue.', 'resume.', 'localhost', '127.0.0.1', 'merger.example', '-p'])('%s is not a typo', (word) => {
    expect(commandTypo(word)).toBeNull();
  });

  it('only as the first word: a host named like a command later on is a host', () => {
    expect(commandTypo(undefined)).toBeNull();
    expect(argvRefusal(['127.0.0.1', 'Resume'])).toBeNull();
  });

  it('the CLI refuses it in one line, exit 2, before any lookup (run with no network at all)', async () => {
    const r = await runCli(['Resume', 'somedir', '-q'], { prefix: 'unshare -n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("shardscan: error: 'Resume' is not a command: did you mean 'resume'? (To scan a host of that name, write it with a trailing dot: 'Resume.')\n");
  });
});
