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

  it('a mistyped one after a target is a host; the first target after options, or a command itself anywhere, is refused', () => {
    expect(commandTypo(undefined)).toBeNull();
    expect(argvRefusal(['127.0.0.1', 'Resume'])).toBeNull();
    // `-p80 statsu` and `127.0.0.1 -p80 help` looked a host up in DNS and printed the help.
    expect(argvRefusal(['-p=80', 'statsu'])).toBe("'statsu' is not a command: did you mean 'status'? (To scan a host of that name, write it with a trailing dot: 'statsu.')");
    expect(argvRefusal(['127.0.0.1', '-p=80', 'help'])).toBe("'help' is a command: give it first (shardscan help …); to scan a host of that name, write it with a trailing dot: 'help.'");
    expect(argvRefusal(['127.0.0.1', '--states', 'open', 'status'])).toMatch(/^'status' is a command: give it first/);
    // An option's value is not a target: a file named merge.
    expect(argvRefusal(['127.0.0.1', '-o', 'merge'])).toBeNull();
  });

  it('the CLI refuses it in one line, exit 2, before any lookup (run with no network at all)', async () => {
    const r = await runCli(['Resume', 'somedir', '-q'], { prefix: 'unshare -n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("shardscan: error: 'Resume' is not a command: did you mean 'resume'? (To scan a host of that name, write it with a trailing dot: 'Resume.')\n");
  });

  it('a subcommand given a scan\'s -p or --top-ports says how to scan a host of its name (run with no network at all)', async () => {
    const r = await runCli(['status', '-p', '22'], { prefix: 'unshare -n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("shardscan: error: unknown option -p (see shardscan status --help); to scan a host named 'status', write it with a trailing dot: 'status.'\n");
    const other = await runCli(['validate', '-q', 'd'], { prefix: 'unshare -n' });
    expect(other.stderr).toBe('shardscan: error: unknown option -q (see shardscan validate --help)\n');
  });
});
