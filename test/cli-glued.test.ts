/**
 * A short option's value glued to it, as getopt (and so nmap) reads it:
 * -pssh, -S127.0.0.1, -fcsv, -ofile. yargs read the rest as more letters:
 * -pssh was -p -s -s -h and printed the help (exit 0, nothing scanned),
 * -fcsv said "unknown options -s, -v", -S127.0.0.1 "unexpected arguments
 * '1', '2', '7'". nmap's report and input options keep their file apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeArgv } from '../src/cli/options.js';
import { argvRefusal, listClash, reportClash, unknownMessage } from '../src/cli/refusals.js';
import { fileOptionsApart } from '../src/cli/spellings.js';
import { peerListener } from './fixtures/net.js';
import { ndjson, runCli, scratchDir } from './helpers/cli.js';

describe('glued short values', () => {
  it.each([
    [['-pssh,http'], ['-p=ssh,http']],
    [['-p-1024'], ['-p=-1024']],
    [['-pT:80'], ['-p=T:80']],
    [['-p80'], ['-p=80']],
    [['-S127.0.0.1'], ['-S=127.0.0.1']],
    [['-fcsv'], ['-f=csv']],
    [['-oreport.txt'], ['-o=report.txt']],
    // nmap writes its normal output to Report.txt; only its report letters (N, X, G, A, S, M) and our J are options.
    [['-oReport.txt'], ['-o=Report.txt']],
    [['-c100', '-w2'], ['-c=100', '-w=2']],
  ])('%j is read as %j', (typed, expected) => {
    expect(normalizeArgv(['127.0.0.1', ...typed])).toEqual(['127.0.0.1', ...expected]);
  });

  it('what stays as it was: -p-, -p=80, -p 80, -oX FILE, -Pn, and nmap\'s one-dash long options (-open, refused)', () => {
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-open']))).toBe('-open is not an option: long options take two dashes here (nmap takes one): --open');
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-ports', '80']))).toBe('-ports is not an option: long options take two dashes here (nmap takes one): --ports');
    expect(normalizeArgv(['127.0.0.1', '-p-'])).toEqual(['127.0.0.1', '--ports=-']);
    expect(normalizeArgv(['127.0.0.1', '-p=80', '-p', '80', '-Pn'])).toEqual(['127.0.0.1', '-p=80', '-p', '80']);
    expect(normalizeArgv(['127.0.0.1', '-oX', 'a.xml'])).toEqual(['127.0.0.1', '--nmap-report=-oX:a.xml']);
  });

  it.each([
    // nmap refuses -oXa.xml ("QUITTING!"); shardscan said "unknown option -X".
    ['-oXa.xml', '-oX takes its file apart, as in nmap: -oX a.xml'],
    ['-oAbase', '-oA takes its file apart, as in nmap: -oA base'],
    ['-oL', '-oL is not a report shardscan writes: it writes -oN (text), -oX (xml), -oG (grep) and -oJ (json) FILE, and csv or ndjson with -f FORMAT -o FILE'],
    ['-oSa.txt', '-oS is not a report shardscan writes: it writes -oN (text), -oX (xml), -oG (grep) and -oJ (json) FILE, and csv or ndjson with -f FORMAT -o FILE'],
    // nmap opened "Lt.txt" for -iLt.txt; shardscan said "unknown options -i, -L".
    ['-iLt.txt', '-iL takes its file apart: -iL t.txt'],
    ['-iR100', '-iR picks random addresses on the Internet; shardscan scans only the targets you name'],
    ['-eeth0', '-e picks the source interface or port; a connect scan leaves them to the kernel (the address: --source-address ADDR, nmap -S)'],
    ['-g53', '-g picks the source interface or port; a connect scan leaves them to the kernel (the address: --source-address ADDR, nmap -S)'],
  ])('%s is refused: %s', (typed, message) => {
    expect(argvRefusal(normalizeArgv(['127.0.0.1', typed]))).toBe(message);
  });

  it.each([
    [['-oN=a.txt'], ['-oN', 'a.txt']],
    [['--oX', 'a.xml'], ['-oX', 'a.xml']],
    [['--oG=a.gnmap'], ['-oG', 'a.gnmap']],
    [['-oA=base'], ['-oA', 'base']],
    [['-iL=list.txt'], ['-iL', 'list.txt']],
    [['--iL', '-'], ['-iL', '-']],
    [['-oN='], ['-oN', '']],
    // As they were: apart, glued (refused later), and anything after --.
    [['-oN', 'a.txt', '-oXa.xml'], ['-oN', 'a.txt', '-oXa.xml']],
    [['--', '-oN=a'], ['--', '-oN=a']],
  ])("nmap's getopt_long_only reads %j as %j, and so does shardscan (-oN=x was refused as 'take its file apart: -oN =x'; --oN was unknown)", (typed, expected) => {
    expect(fileOptionsApart(['127.0.0.1', ...typed])).toEqual(['127.0.0.1', ...expected]);
  });

  it('the CLI writes -oN=FILE, --oX FILE and -oA=BASE where nmap writes them', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1', '-oN=n.txt', '--oX', 'x.xml', '-oA=b', '--no-out-dir', '-q'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['n.txt', 'x.xml', 'b.nmap', 'b.xml', 'b.gnmap']) expect(existsSync(join(cwd, f)), f).toBe(true);
    expect(existsSync(join(cwd, '=b.nmap'))).toBe(false);
  });

  it('switches clustered before a glued value, as getopt reads them: -qfcsv is -q -f csv (it said "unknown options -s, -v")', () => {
    expect(normalizeArgv(['127.0.0.1', '-qfcsv'])).toEqual(['127.0.0.1', '-q', '-f=csv']);
    expect(normalizeArgv(['127.0.0.1', '-qyS127.0.0.1'])).toEqual(['127.0.0.1', '-q', '-y', '-S=127.0.0.1']);
    expect(normalizeArgv(['127.0.0.1', '-qy'])).toEqual(['127.0.0.1', '-qy']);
  });

  it("nmap's switches clustered, as its getopt reads them: -nF is -n -F (it said \"unknown options -n, -F\")", () => {
    expect(normalizeArgv(['127.0.0.1', '-nF'])).toEqual(['127.0.0.1', '--top-ports=100']);
    expect(normalizeArgv(['127.0.0.1', '-qF'])).toEqual(['127.0.0.1', '-q', '--top-ports=100']);
    expect(normalizeArgv(['127.0.0.1', '-Fqr'])).toEqual(['127.0.0.1', '--top-ports=100', '-q', '--order=serial']);
    expect(normalizeArgv(['127.0.0.1', '-nPn', '-nsTV', '-nT4'])).toEqual(['127.0.0.1', '--banners']);
    expect(normalizeArgv(['127.0.0.1', '-n6', '-np80'])).toEqual(['127.0.0.1', '--family=6', '-p=80']);
    // A cluster of switches takes no value: the word after it is the first target (checked for a mistyped command).
    expect(argvRefusal(['-nF', 'statsu'])).toMatch(/^'statsu' is not a command: did you mean 'status'\?/);
    expect(argvRefusal(['-np', '80', 'statsu'])).toMatch(/^'statsu' is not a command/);
    // -nv as nmap users type it, and our valued options with a value of their kind (it said "unknown options -n, -v").
    expect(normalizeArgv(['127.0.0.1', '-nv', '-nvv', '-Fv'])).toEqual(['127.0.0.1', '--top-ports=100']);
    expect(normalizeArgv(['127.0.0.1', '-nS127.0.0.1', '-nfcsv', '-nw2', '-nc100'])).toEqual(['127.0.0.1', '-S=127.0.0.1', '-f=csv', '-w=2', '-c=100']);
    expect(normalizeArgv(['127.0.0.1', '-nS::1', '-qfxml'])).toEqual(['127.0.0.1', '-S=::1', '-q', '-f=xml']);
    // Not -o (-nofile is more likely a mistyped long option than a report named "file"), nor -v with more after it.
    for (const a of ['-nofile', '-nvx']) expect(normalizeArgv(['127.0.0.1', a])).toEqual(['127.0.0.1', a]);
    // A bad value is the option's own refusal, as after -q (-nfcvs was "unknown options -n, -v, -s"; -nS127.0.0.1x and
    // -nSlocalhost were "unexpected arguments" and --help).
    expect(normalizeArgv(['127.0.0.1', '-nfcvs', '-nS127.0.0.1x', '-nw2x'])).toEqual(['127.0.0.1', '-f=cvs', '-S=127.0.0.1x', '-w=2x']);
    // Anything else is left whole, to be refused as typed; nmap's one-dash long options too.
    expect(normalizeArgv(['127.0.0.1', '-nx'])).toEqual(['127.0.0.1', '-nx']);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-noninteractive']))).toBe("-noninteractive is nmap's --noninteractive, which shardscan does not have (see shardscan --help)");
  });

  it('a switch after one dash with a value is refused, as after two (-q=1 was -q false; -h=1 ran a scan)', () => {
    for (const s of ['-q', '-y', '-h', '-V']) expect(argvRefusal(normalizeArgv(['127.0.0.1', `${s}=1`]))).toBe(`${s} is a switch and takes no value (got '${s}=1'): give ${s} alone, or leave it out`);
  });

  it('an empty glued value is an empty value (it was "unexpected argument \'=\'")', () => {
    expect(normalizeArgv(['127.0.0.1', '-p=', '-o='])).toEqual(['127.0.0.1', '-p', '', '-o', '']);
  });

  it('-T in upper case only: -traceroute is nmap\'s --traceroute, -tinsane no template (it was taken as -T5)', () => {
    expect(normalizeArgv(['127.0.0.1', '-TInsane'])).toEqual(['127.0.0.1']);
    expect(normalizeArgv(['127.0.0.1', '-tinsane'])).toEqual(['127.0.0.1', '-tinsane']);
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-traceroute']))).toBe("-traceroute is nmap's --traceroute, which shardscan does not have (see shardscan --help)");
  });

  it('options before a subcommand: the command is moved first (-q status looked the host "status" up in DNS)', () => {
    expect(normalizeArgv(['-q', 'status', 'd'])).toEqual(['status', '-q', 'd']);
    expect(normalizeArgv(['-f', 'csv', 'merge', 'd'])).toEqual(['merge', '-f', 'csv', 'd']);
    expect(normalizeArgv(['-fcsv', 'merge', 'd'])).toEqual(['merge', '-f=csv', 'd']);
    // A value named like a command stays a value; after --, a target.
    expect(normalizeArgv(['-o', 'merge', '127.0.0.1'])).toEqual(['-o', 'merge', '127.0.0.1']);
    expect(normalizeArgv(['-q', '--', 'status'])).toEqual(['-q', '--', 'status']);
  });

  it('a glued short option a command does not take is named (it was "unexpected argument \'p\'")', () => {
    expect(unknownMessage('Unknown argument: p', ['merge', 'd', '-p=80'])).toBe('unknown option -p');
    expect(unknownMessage('Unknown argument: S', ['merge', 'd', '-S=127.0.0.1'])).toBe('unknown option -S');
  });

  it('-o glued counts as -o: two of them name one report, refused', () => {
    expect(reportClash(['127.0.0.1', '-oa.txt', '-o', 'b.txt'])).toMatch(/^-o is given 2 times \(-o a\.txt, -o b\.txt\)/);
    expect(reportClash(['127.0.0.1', '-o=a.txt', '-ob.txt'])).toMatch(/^-o is given 2 times \(-o a\.txt, -o b\.txt\)/);
    expect(reportClash(['127.0.0.1', '-oa.txt', '-oX', 'b.xml'])).toBeNull();
    expect(reportClash(['127.0.0.1', '-oReport.txt', '-o', 'b.txt'])).toMatch(/^-o is given 2 times \(-o Report\.txt, -o b\.txt\)/);
  });

  it('an option merge or validate does not take, before the directories, is named (it said "validate needs the shard directories": it had taken d as its value)', () => {
    expect(unknownMessage('Not enough non-option arguments: got 0, need at least 1', ['validate', '-q', 'd'])).toBe('unknown option -q');
    expect(unknownMessage('Not enough non-option arguments: got 0, need at least 1', ['merge', '--foo=1', 'd'])).toBe('unknown option --foo');
    // What they take, with no directory: still "needs the shard directories".
    expect(unknownMessage('Not enough non-option arguments: got 0, need at least 1', ['merge', '-f=csv', '--nmap-report=-oX:x.xml', '-q'])).toBe('merge needs the shard directories, e.g. shardscan merge scan-1 scan-2');
    expect(unknownMessage('Not enough non-option arguments: got 0, need at least 1', ['validate', '--'])).toBe('validate needs the shard directories, e.g. shardscan validate scan-1 scan-2');
  });

  it('-p given twice is refused, glued or not, as nmap refuses it (the last list was scanned, the others dropped)', () => {
    expect(listClash(normalizeArgv(['127.0.0.1', '-p', '80', '-p22']))).toBe("-p is given 2 times ('80', '22'); give one list, the ports separated by commas: -p 80,22");
    expect(listClash(normalizeArgv(['127.0.0.1', '-p-', '--ports', '1-5']))).toBe("-p is given 2 times ('-', '1-5'); give one list, the ports separated by commas: -p -,1-5");
    expect(listClash(normalizeArgv(['127.0.0.1', '-p', '80', '--top-ports', '5']))).toBeNull();
    expect(listClash(normalizeArgv(['127.0.0.1', '-p', '80', '--', '-p']))).toBeNull();
  });

  it('the CLI scans -pssh,http (it printed the help) and writes -fcsv -oFILE', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-pssh,http', '--states', 'all', '-fcsv', '-oout.csv', '--no-out-dir', '-q'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const file = join(cwd, 'out.csv');
    expect(existsSync(file)).toBe(true);
    const ports = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1])).sort((a, b) => a - b);
    expect(ports).toEqual([22, 80, 8008]);
  });

  it('the CLI: -f csv before merge runs the merge; -q before status is status\'s (run with no network at all)', async () => {
    const cwd = scratchDir();
    const scan = await runCli(['127.0.0.1', '-p', '1-20', '--states', 'all', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(scan.code, scan.stderr).toBe(0);
    const merged = await runCli(['-f', 'csv', 'merge', 'd'], { cwd, prefix: 'unshare -n' });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout.trim().split('\n')).toHaveLength(21);
    // status has no -q: refused as its unknown option, no longer a host named "status".
    const status = await runCli(['-q', 'status', 'd'], { cwd, prefix: 'unshare -n' });
    expect(status.stderr).toBe('shardscan: error: unknown option -q (see shardscan status --help)\n');
    expect(status.code).toBe(2);
  });

  it('-S127.0.0.1 binds the source address (a bad one is refused by name, as -S 127.0.0.1 x would be)', async () => {
    // A host of its own (127.0.0.251): cli.test.ts's -S tests listen on 127.0.0.250 at the same time.
    const listener = await peerListener('127.0.0.251');
    try {
      // --banners keeps the connection open, so the listener still sees its peer address (fixtures/net.ts).
      const ok = await runCli(['127.0.0.251', '-p', String(listener.port), '-S127.0.0.5', '--banners', '--banner-timeout', '500', '-f', 'ndjson', '-q', '--no-out-dir']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ndjson(ok.stdout).map((x) => x.state)).toEqual(['open']);
      await expect.poll(() => listener.peers.length).toBeGreaterThan(0);
      expect(new Set(listener.peers)).toEqual(new Set(['127.0.0.5']));
    } finally {
      await listener.close();
    }
    const r = await runCli(['127.0.0.1', '-p', '1', '-S127.0.0.300', '--no-out-dir', '-q'], { prefix: 'unshare -n' });
    expect(r.stderr).toMatch(/^shardscan: error: .*127\.0\.0\.300/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.code).toBe(2);
  });
});
