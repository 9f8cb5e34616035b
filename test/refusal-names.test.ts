/**
 * A refusal names the option as it was typed (audit N4): `-oX somedir` said
 * "cannot open --output", `-iL t.txt -oN t2` (t2 a link to t.txt) said "-o 't2'
 * would write over", and nmap's `-dd` said "unknown option -d".
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

const SCAN = ['-p', '1', '--no-out-dir', '-q'];

function files(): string {
  const cwd = scratchDir();
  mkdirSync(join(cwd, 'somedir'));
  writeFileSync(join(cwd, 't.txt'), '127.0.0.1\n');
  symlinkSync('t.txt', join(cwd, 't2'));
  symlinkSync('t.txt', join(cwd, 'base.xml'));
  return cwd;
}

describe('refusals name the option as typed', () => {
  it.each([
    [['127.0.0.1', '-oX', 'somedir'], "cannot open -oX 'somedir': EISDIR"],
    [['-iL', 't.txt', '-oN', 't2'], "-oN 't2' would write over the --input-file, which this command reads; write it elsewhere"],
    [['-iL', 't.txt', '-oA', 'base'], "-oA base's xml report 'base.xml' would write over the --input-file, which this command reads; write it elsewhere"],
    [['127.0.0.1', '-oX', 'a.xml', '-oG', 'a.xml'], "-oX and -oG name the same file 'a.xml'; give each its own"],
    [['127.0.0.1', '-oN', 'n.txt', '-oX', 'somedir'], "cannot open -oX 'somedir': EISDIR"],
  ])('%j', async (args, message) => {
    const r = await runCli([...args, ...SCAN], { cwd: files() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shardscan: error: ${message}\n`);
  });

  it.each(['-d', '-dd', '-d3'])("nmap's %s is named, and said to be its debugging level", async (d) => {
    const r = await runCli(['127.0.0.1', ...SCAN, d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shardscan: error: ${d} is nmap's debugging level; shardscan has no debugging output (its notes and errors go to stderr; -q hides the notes)\n`);
  });

  it('an unknown letter of a cluster is named with the cluster typed', async () => {
    const r = await runCli(['127.0.0.1', ...SCAN, '-zz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shardscan: error: unknown option -z in -zz (see shardscan --help)\n');
  });
});
