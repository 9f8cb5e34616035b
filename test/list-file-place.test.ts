/**
 * A refusal of a target read from a list file names the file and line
 * ("bad target '127.0.0.500'" in a million-line -iL list did not say where),
 * and an -iL list with no target says so (it said "no targets given").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Resolver, buildTargets } from '../src/targets/parse.js';
import { UnresolvedName } from '../src/targets/resolve.js';
import { scratchDir } from './helpers/cli.js';

const noDns: Resolver = async (name) => {
  throw new Error(`no lookups here (${name})`);
};

function file(text: string): string {
  const path = join(scratchDir(), 'list.txt');
  writeFileSync(path, text);
  return path;
}

describe('list files in refusals', () => {
  it('names the -iL file and the line of a bad target', async () => {
    const path = file('127.0.0.1\n# a comment\n\n127.0.0.2 127.0.0.500\n');
    await expect(buildTargets({ targets: [], inputFile: path }, noDns)).rejects.toThrow(`'${path}' line 4: bad target '127.0.0.500': not an IPv4 address, CIDR or octet range.`);
  });

  it('names the --exclude-file and its line; a bad target on the command line names none', async () => {
    const path = file('127.0.0.2\n127.0.0.0/33\n');
    await expect(buildTargets({ targets: ['127.0.0.1'], excludeFile: path }, noDns)).rejects.toThrow(`'${path}' line 2: bad exclusion '127.0.0.0/33': prefix '/33' must be 0-32.`);
    await expect(buildTargets({ targets: ['127.0.0.1', '127.0.0.500'], inputFile: file('127.0.0.3\n') }, noDns)).rejects.toThrow(/^bad target '127\.0\.0\.500'/);
  });

  it('names the file and line of a host name that does not resolve (found only after the whole list is read), and keeps the resolver\'s error as the cause', async () => {
    const why = new Error('NXDOMAIN');
    const known: Resolver = async (name, _family, all) => {
      if (name !== 'known') throw new UnresolvedName(name, ' (NXDOMAIN)', { cause: why });
      return all === true ? ['127.0.0.7'] : '127.0.0.7';
    };
    const list = file('127.0.0.1\nknown\n\n127.0.0.2 nosuch\nnosuch\n');
    const err = await buildTargets({ targets: [], inputFile: list }, known).catch((e: unknown) => e as Error);
    expect(err.message).toBe(`'${list}' line 4: cannot resolve host name 'nosuch' (NXDOMAIN)`);
    expect(err.cause).toBe(why);
    const skip = file('known\n# a comment\nnosuch\n');
    await expect(buildTargets({ targets: ['127.0.0.1'], excludeFile: skip }, known)).rejects.toThrow(`'${skip}' line 3: cannot resolve excluded host name 'nosuch' (NXDOMAIN)`);
    // On the command line: no file, no line.
    await expect(buildTargets({ targets: ['127.0.0.1'], exclude: ['nosuch'] }, known)).rejects.toThrow(/^cannot resolve excluded host name 'nosuch'/);
  });

  it('an -iL list of comments and blank lines says it holds no target', async () => {
    const path = file('# nothing yet\n\n');
    await expect(buildTargets({ targets: [], inputFile: path }, noDns)).rejects.toThrow(`no targets given (the -iL list '${path}' holds none: only blank lines or comments); name at least one`);
  });
});
