/**
 * Options typed with a dash too many (---max-time) or too few (nmap's
 * -top-ports), and `help` followed by more words, are refused in one line
 * before anything runs; help and version that cannot be written fail.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashRefusal } from '../src/cli/spellings.js';
import { runCli, scratchDir } from './helpers/cli.js';

describe('a dash too many or too few', () => {
  it.each([
    // An internal error ("value.trim is not a function", exit 1) before.
    [['127.0.0.1', '-p', '1', '---max-time', '5'], '---max-time is not an option: options take one dash (-p) or two (--ports)'],
    // Scanned ports 1-3 and dropped the option without a word before.
    [['127.0.0.1', '-p', '1-3', '---p', '9999'], '---p is not an option: options take one dash (-p) or two (--ports)'],
    [['127.0.0.1', '-p', '1', '---summary-json=5'], '---summary-json is not an option: options take one dash (-p) or two (--ports)'],
    // yargs split them into short options: "unexpected argument 't'", "unknown options -e, -n".
    [['127.0.0.1', '-top-ports', '10'], '-top-ports is not an option: long options take two dashes here (nmap takes one): --top-ports'],
    [['127.0.0.1', '-open'], '-open is not an option: long options take two dashes here (nmap takes one): --open'],
    [['127.0.0.1', '-max-retries', '2'], '-max-retries is not an option: long options take two dashes here (nmap takes one): --max-retries'],
    [['127.0.0.1', '-min-rate=100'], "-min-rate (nmap's --min-rate) puts a floor under the pace; shardscan has none: it sends as fast as its window allows and slows down only when the network drops probes (widen the window with --concurrency N, cap the pace with --rate N)"],
    // nmap's own long options after one dash were read as a short option with a glued value: -osscan-guess wrote a report named "sscan-guess".
    [['127.0.0.1', '-p', '1', '-osscan-guess'], "-osscan-guess is nmap's --osscan-guess, which shardscan does not have (see shardscan --help)"],
    [['127.0.0.1', '-p', '1', '-proxies', 'x'], "-proxies is nmap's --proxies, which shardscan does not have (see shardscan --help)"],
    [['127.0.0.1', '-p', '1', '-traceroute'], "-traceroute is nmap's --traceroute, which shardscan does not have (see shardscan --help)"],
    [['127.0.0.1', '-p', '1', '-script', 'vuln'], "-script (nmap's --script) runs nmap's NSE scripts; for services and versions, use --banners (nmap -sV)"],
    // A bad port list is refused before any name is looked up (it said "cannot resolve host name 'somehost'" first).
    [['somehost', '-p', 'nosuch'], "bad port list 'nosuch' at 'nosuch': no service of that name in the built-in list (data/tcp-ports.tsv); give its port number. Example: -p 22,80,1000-2000 (or -p- for all)"],
    [['127.0.0.1', '-p', '1', '-source-port', '53'], "-source-port (nmap's --source-port) picks the source interface or port; a connect scan leaves them to the kernel (the address: --source-address ADDR, nmap -S)"],
  ])('%j is refused in one line, exit 2, before a scan (run with no network at all)', async (args, message) => {
    // Were the refusal lost, a value could be read as a target: nothing may leave the machine then either.
    const r = await runCli(args, { prefix: 'unshare -n' });
    expect(r.stderr).toBe(`shardscan: error: ${message}\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('--nmap-report, the inner spelling of -oX FILE, is not an option (typed, it wrote a report, or said "unknown option " with no name)', async () => {
    const cwd = scratchDir();
    for (const args of [['--nmap-report'], ['--nmap-report=-oX:x.xml']]) {
      const r = await runCli(['127.0.0.1', '-p', '1', '--no-out-dir', ...args], { cwd });
      expect(r.stderr).toBe('shardscan: error: unknown option --nmap-report (see shardscan --help)\n');
      expect(r.code).toBe(2);
    }
    expect(existsSync(join(cwd, 'x.xml'))).toBe(false);
  });

  it('a duration below 1 ms: the message gives the range (it named only the top)', async () => {
    const r = await runCli(['127.0.0.1', '--timeout', '0.4ms']);
    expect(r.stderr).toBe("shardscan: error: bad --timeout '0.4ms': give milliseconds or a time with a unit (ms, s, m, h), from 1 to 600000 ms, e.g. --timeout 1000\n");
    expect(r.code).toBe(2);
  });

  it('---output FILE writes no file (it wrote one before)', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1', '---output', 'out.txt', '--no-out-dir'], { cwd });
    expect(r.code).toBe(2);
    expect(existsSync(join(cwd, 'out.txt'))).toBe(false);
  });

  it('knows every long option --help lists, of every command', async () => {
    const names = new Set<string>();
    for (const command of [[], ['resume'], ['merge', 'x'], ['status'], ['validate', 'x']]) {
      const h = await runCli([...command, '--help']);
      expect(h.code).toBe(0);
      for (const m of h.stdout.matchAll(/(?<![\w-])--([a-z][a-z-]+)/g)) if (!m[1]!.startsWith('no-')) names.add(m[1]!);
    }
    expect(names.size).toBeGreaterThan(40);
    expect([...names].filter((n) => dashRefusal(`-${n}`) === null)).toEqual([]);
  });

  it('leaves alone what is not a long option with one dash: short clusters, values, nmap spellings', () => {
    for (const a of ['-qy', '-p-', '-sT', '-oX', '-iL', '-Pn', '-T4', '-vv', '-4', '-p22', '--top-ports', '--', '-', 'open', '-xyz']) expect(dashRefusal(a)).toBeNull();
  });
});

describe('help', () => {
  it('help COMMAND is COMMAND --help (run with no network at all: were it lost, help and resume would be host names)', async () => {
    const r = await runCli(['help', 'resume'], { prefix: 'unshare -n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shardscan resume \[dir\]/);
  });

  it('help and more words is refused: it scanned them as host names (a DNS lookup of "help"; run with no network at all)', async () => {
    for (const args of [['help', '127.0.0.1', '-p', '1'], ['help', 'resume', 'x'], ['help', 'help']]) {
      const r = await runCli(args, { prefix: 'unshare -n' });
      expect(r.stderr).toBe("shardscan: error: help takes one command name or none (shardscan help resume); to scan a host named help, write it with a trailing dot: 'help.'\n");
      expect(r.code).toBe(2);
    }
  });

  it.each([['--help'], ['--version'], ['help', 'merge']])('%j to a full disk fails in one line, exit 1 (exit 0 before)', async (...args) => {
    const r = await runCli(args, { prefix: 'exec >/dev/full; exec unshare -n' });
    expect(r.stderr).toBe('shardscan: error: cannot write to stdout: ENOSPC\n');
    expect(r.code).toBe(1);
  });
});
