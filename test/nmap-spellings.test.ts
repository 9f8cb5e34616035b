/**
 * nmap spellings the table-driven CLI tests do not reach: the letters after
 * -s read one by one (-sTV is -sT -sV; before, the V was taken for
 * --version, which printed the version and exited 0 without scanning), -v
 * repeated (-vvv was "unknown option -v"), "all" inside a --states list, -T
 * apart from its template or by name (-T 4, -Tinsane), and refusals that say
 * what -T6, -PS, -sC and -4 are (they were "unexpected argument 'T'",
 * "unknown option -P", "not a TCP connect scan" and "bad target '-4'").
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeArgv, parseStates } from '../src/cli/options.js';
import { argvRefusal } from '../src/cli/refusals.js';
import { nmapFileName, reportsOf } from '../src/cli/report-files.js';
import { CLI, runCli, scratchDir } from './helpers/cli.js';
import { PORT_STATES } from '../src/model/states.js';

describe('nmap spellings', () => {
  it('-sTV and -sVT are -sT -sV: a connect scan with service detection', () => {
    expect(normalizeArgv(['127.0.0.1', '-sTV'])).toEqual(['127.0.0.1', '--banners']);
    expect(normalizeArgv(['-sVT', '127.0.0.1'])).toEqual(['--banners', '127.0.0.1']);
  });

  it('a scan type shardscan does not make is refused by its own letters, wherever it sits in the cluster', () => {
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-sTU']))).toMatch(/^-sU is not a TCP connect scan/);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-sSV']))).toMatch(/^-sS is not a TCP connect scan/);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-sLV']))).toMatch(/^-sL is not a TCP connect scan/);
  });

  it('-v any number of times, or with a level, is accepted and ignored; -vV is refused, as nmap refuses it', () => {
    expect(normalizeArgv(['127.0.0.1', '-vvv', '-vvvv', '-v', '-v3'])).toEqual(['127.0.0.1']);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-vV']))).toMatch(/^-vV is not an option: nmap reads what follows -v as a verbosity level/);
  });

  it('-T takes its template glued or apart, as a digit or a name', () => {
    expect(normalizeArgv(['127.0.0.1', '-T', '4', '-Tinsane', '-T', 'aggressive'])).toEqual(['127.0.0.1']);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-Tpolite']))).toMatch(/^-T2 slows nmap down/);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-T6']))).toMatch(/^-T6 is not a timing template: nmap has -T0 to -T5/);
  });

  it('host discovery and script scans are refused by what they are; -4 and -6 are --family', () => {
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-PS22']))).toMatch(/^-PS22 is nmap host discovery; shardscan never pings/);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-sC']))).toMatch(/^-sC runs nmap's default NSE scripts/);
    expect(normalizeArgv(['127.0.0.1', '-4', '-6'])).toEqual(['127.0.0.1', '--family=4', '--family=6']);
  });

  it('a value that starts with "-" and a digit stays the option\'s value', () => {
    expect(normalizeArgv(['127.0.0.1', '--timeout', '-5s', '-p', '-1024'])).toEqual(['127.0.0.1', '--timeout=-5s', '-p=-1024']);
  });

  it('-p -,80 is every port, as -p-,80 and nmap read it (it said "unexpected arguments \'0\', \'8\', \',\'")', () => {
    expect(normalizeArgv(['127.0.0.1', '-p', '-,80', '--exclude-ports', '-,22'])).toEqual(['127.0.0.1', '-p=-,80', '--exclude-ports=-,22']);
  });

  it('-F is --top-ports 100 unless --top-ports says how many, in either order, as in nmap (--top-ports 10 -F scanned 100)', () => {
    expect(normalizeArgv(['127.0.0.1', '-F'])).toEqual(['127.0.0.1', '--top-ports=100']);
    expect(normalizeArgv(['127.0.0.1', '--top-ports', '10', '-F'])).toEqual(['127.0.0.1', '--top-ports', '10']);
    expect(normalizeArgv(['127.0.0.1', '-F', '--top-ports=3'])).toEqual(['127.0.0.1', '--top-ports=3']);
    expect(normalizeArgv(['127.0.0.1', '-F', '--', '--top-ports'])).toEqual(['127.0.0.1', '--top-ports=100', '--', '--top-ports']);
  });

  it("-F with a number is refused by what it is (it said \"unexpected argument 'F'\")", () => {
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-F5']))).toBe('-F5 is not an option: -F takes no number (it is the top 100 ports); for another count use --top-ports N, e.g. --top-ports 5');
  });

  it('after --, nothing is rewritten', () => {
    expect(normalizeArgv(['127.0.0.1', '--', '-sTV'])).toEqual(['127.0.0.1', '--', '-sTV']);
  });

  it('--states all means every state, alone or in a list', () => {
    expect(parseStates('all,open')).toEqual([...PORT_STATES]);
    expect(parseStates('open, all')).toEqual([...PORT_STATES]);
    expect(parseStates('open,closed')).toEqual(['open', 'closed']);
  });

  it('--states refuses an empty item, as -p refuses "22,"', () => {
    for (const v of ['open,', ',open', 'open,,closed', '', ' , ']) {
      expect(() => parseStates(v), v).toThrow(/bad --states .*an empty item/);
    }
    expect(parseStates(' open , filtered ')).toEqual(['open', 'filtered']);
  });
});

describe("nmap's % conversions in report names", () => {
  it('as nmap documents them: -oX web-scan-%T-%D.xml at 14:48:40 on 13 Dec 2007 is web-scan-144840-121307.xml', () => {
    const at = new Date(2007, 11, 13, 14, 48, 40);
    expect(nmapFileName('web-scan-%T-%D.xml', at)).toBe('web-scan-144840-121307.xml');
    expect(nmapFileName('%Y%m%d-%H%M%S-%R-%y', at)).toBe('20071213-144840-1448-07');
    // % and any other character is that character; a lone % at the end is nothing; names without % are as typed.
    expect(nmapFileName('100%%-%q-%.txt%', at)).toBe('100%-q-.txt');
    expect(nmapFileName('plain.xml', at)).toBe('plain.xml');
  });

  it('the CLI writes -oG and -oA reports under the converted names, and -o as typed', async () => {
    const cwd = scratchDir();
    const year = String(new Date().getFullYear());
    const r = await runCli(['127.0.0.1', '-p', '1', '-q', '--no-out-dir', '-o', 'o-%Y.txt', '-oG', 'g-%Y-%%.gnmap', '-oA', 'a-%Y'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(cwd).filter((f) => !f.startsWith('.')).sort()).toEqual([`a-${year}.gnmap`, `a-${year}.nmap`, `a-${year}.xml`, `g-${year}-%.gnmap`, 'o-%Y.txt']);
  });
});

describe('nmap report options at a terminal', () => {
  const now = new Date(2026, 0, 1);
  it('-oX FILE at a terminal also shows the text report there, as nmap shows its normal output; elsewhere only the file is written', () => {
    expect(reportsOf(['-oX:r.xml'], {}, now, true)).toEqual({ format: 'text', output: null, extraReports: [{ format: 'xml', output: 'r.xml' }] });
    expect(reportsOf(['-oA:b'], {}, now, true).extraReports).toHaveLength(3);
    expect(reportsOf(['-oX:r.xml'], {}, now, false)).toEqual({ format: 'xml', output: 'r.xml', extraReports: [] });
  });

  it('not when a report already goes to the screen, or -f/-o names the main one', () => {
    expect(reportsOf(['-oX:r.xml', '-oG:-'], {}, now, true)).toEqual({ format: 'grep', output: null, extraReports: [{ format: 'xml', output: 'r.xml' }] });
    expect(reportsOf(['-oX:r.xml'], { format: 'ndjson', output: 'r.ndjson' }, now, true)).toEqual({ extraReports: [{ format: 'xml', output: 'r.xml' }] });
  });

  it('the CLI under script(1): the table on the terminal, and the XML file whole', async () => {
    const { execFileSync } = await import('node:child_process');
    const cwd = scratchDir();
    const shown = execFileSync('script', ['-qec', `${process.execPath} ${CLI} 127.0.0.1 -p 1-20 --no-out-dir -q -oX r.xml`, '/dev/null'], { cwd, encoding: 'utf8', timeout: 30_000 });
    expect(shown).toMatch(/shardscan [\d.]+ scan report/);
    expect(shown).toMatch(/1 of 1 hosts have no open ports/);
    expect(readFileSync(join(cwd, 'r.xml'), 'utf8')).toMatch(/<\/nmaprun>\s*$/);
  });
});
