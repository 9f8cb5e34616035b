/**
 * run-scenario's --cmd template: split into words as a shell splits them.
 * It split on every space, quotes and all, so `sh -c "… | tee FILE"` became
 * sh -c '"…' and a pipe needed a script of its own.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenario } from '../lab/scenarios.js';
import { customTool, splitWords } from '../lab/tools.js';

describe('--cmd', () => {
  it('splits words as sh does: blanks, quotes, backslashes', () => {
    expect(splitWords('  node  main.js\t-p 1 ')).toEqual(['node', 'main.js', '-p', '1']);
    expect(splitWords(`sh -c "a {targets} | tee 'x y'" end`)).toEqual(['sh', '-c', "a {targets} | tee 'x y'", 'end']);
    expect(splitWords(`echo 'it''s' "a\\"b\\\\c\\d" e\\ f ''`)).toEqual(['echo', 'its', 'a"b\\c\\d', 'e f', '']);
    expect(() => splitWords('sh -c "a b')).toThrow(/unclosed " at character 7/);
    expect(() => splitWords("x 'y")).toThrow(/unclosed ' at character 3/);
  });

  it('puts the targets in: one word each where {targets} is a word, space-separated inside a quoted one', () => {
    const s = scenario('mixloss', 1);
    const plain = customTool('node main.js {targets} -p {ports} -f ndjson', 'ndjson').argv(s);
    expect(plain).toEqual(['node', ['main.js', ...s.targets, '-p', s.portSpec, '-f', 'ndjson']]);
    expect(s.targets.length).toBeGreaterThan(1);
    const piped = customTool('sh -c "node main.js {targets} -p {ports} | tee /tmp/out.ndjson"', 'ndjson').argv(s);
    expect(piped).toEqual(['sh', ['-c', `node main.js ${s.targets.join(' ')} -p ${s.portSpec} | tee /tmp/out.ndjson`]]);
  });

  it('an empty template is one line and exit 2, before any lab is built (it ran the four built-in tools instead)', () => {
    for (const cmd of ['', '   ']) {
      const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '../dist/lab/run-scenario.js'), 'rtt20', '--cmd', cmd], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')).toEqual([`run-scenario: --cmd is empty. Example: --cmd 'sh -c "node dist/src/cli/main.js {targets} -p {ports} -f ndjson --states all -q --no-out-dir | tee out.ndjson"'`, '']);
    }
  });

  it('an unclosed quote is one line and exit 2, before any lab is built', () => {
    const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '../dist/lab/run-scenario.js'), 'rtt20', '--cmd', 'sh -c "node x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')).toEqual([`run-scenario: --cmd has an unclosed " at character 7. Example: --cmd 'sh -c "node dist/src/cli/main.js {targets} -p {ports} -f ndjson --states all -q --no-out-dir | tee out.ndjson"'`, '']);
  });
});
