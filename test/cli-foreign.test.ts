/**
 * masscan's and RustScan's spellings (an audit typed ~120 of their command
 * lines): the ones nmap's reading took another way, or wrote a report to an
 * odd file, are refused in one line naming what to give instead.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { normalizeArgv } from '../src/cli/options.js';
import { argvRefusal, foreignRefusal, unknownMessage } from '../src/cli/refusals.js';
import { fileOptionsApart } from '../src/cli/spellings.js';
import { readdirSync } from 'node:fs';
import { runCli, scratchDir } from './helpers/cli.js';

/** What the CLI refuses a command line with, in the order main() asks. */
const refusal = (typed: string[]): string | null => {
  const given = fileOptionsApart(['127.0.0.1', ...typed]);
  return foreignRefusal(given) ?? argvRefusal(normalizeArgv(given));
};

const NOT_A_REPORT = 'is not a report shardscan writes: it writes -oN (text), -oX (xml), -oG (grep) and -oJ (json) FILE, and csv or ndjson with -f FORMAT -o FILE';

describe("masscan's report letters glued or with =: refused, not a text report to a file named L=scan.txt", () => {
  it.each([
    [['-oL=scan.txt'], '-oL'],
    [['-oD=scan.ndjson'], '-oD'],
    [['-oLscan.txt'], '-oL'],
    [['-oBscan.bin'], '-oB'],
    [['-oL', '-'], '-oL'],
    [['-oD', '-'], '-oD'],
    [['-oH=hosts.txt'], '-oH'],
  ])('%j', (typed, option) => {
    expect(refusal(typed)).toBe(`${option} ${NOT_A_REPORT}`);
  });

  it('nmap\'s -oReport.txt is still -o Report.txt (nmap writes its normal output there)', () => {
    expect(refusal(['-oReport.txt'])).toBeNull();
    expect(normalizeArgv(['127.0.0.1', '-oReport.txt'])).toEqual(['127.0.0.1', '-o=Report.txt']);
  });

  it('the CLI writes no file for -oD=scan.ndjson and exits 2', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1', '-oD=scan.ndjson', '-q', '--no-out-dir'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shardscan: error: -oD ${NOT_A_REPORT}\n`);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("RustScan's and masscan's short options that nmap's spelling reads another way", () => {
  it.each([
    [['-r', '1-1000'], "-r is nmap's (ports in order: --order serial) and takes no value; RustScan's port range -r 1-1000 is -p 1-1000 here"],
    [['-r', '80'], "-r is nmap's (ports in order: --order serial) and takes no value; RustScan's port range -r 80 is -p 80 here"],
    [['-p', '80', '-e', '22,443'], "-e is nmap's source interface, which a connect scan leaves to the kernel; RustScan's excluded ports -e 22,443 are --exclude-ports 22,443 here"],
    [['-p', '80', '-g'], "-g is nmap's source port, which a connect scan leaves to the kernel; RustScan's grepable output is -f grep here (or -oG FILE)"],
    [['-c', 'scan.conf'], "-c is --concurrency N here; masscan's configuration file (-c scan.conf) is --config FILE (JSON)"],
    [['-p', '80', '--', '-sC', '-sV'], "after --, every word is a target ('-sC' is not one); RustScan passes what follows -- to nmap, but here shardscan is the scanner: give its options before -- (nmap's -sV is --banners)"],
  ])('%j', (typed, message) => {
    expect(refusal(typed)).toBe(message);
  });

  it('what they mean in nmap stays as it was: -r alone, -g 53, -e eth0, -c 100, and an octet range after --', () => {
    expect(refusal(['-r', '-p', '80'])).toBeNull();
    expect(refusal(['-p', '80', '-g', '53'])).toMatch(/^-g picks the source interface or port/);
    expect(refusal(['-p', '80', '-e', 'eth0'])).toMatch(/^-e picks the source interface or port/);
    expect(refusal(['-c', '100'])).toBeNull();
    // A mistyped number is --concurrency's own refusal, not a config file.
    expect(refusal(['-c', '1.5'])).toBeNull();
    expect(refusal(['-p', '80', '--', '-127.0.0.1'])).toBeNull();
  });
});

describe("masscan's and RustScan's options that shardscan does not take: what to give instead", () => {
  it('named beside the unknown option', () => {
    const argv = ['127.0.0.1', '--ulimit', '5000', '-b', '4500', '--scan-order', 'serial', '--tries', '2', '--foo'];
    expect(unknownMessage('Unknown arguments: ulimit, b, scan-order, scanOrder, tries, foo', argv)).toBe(
      "unknown options --ulimit, -b, --scan-order, --tries, --foo (--ulimit: shardscan reads ulimit -n itself and sizes its window to it: raise it with ulimit -n; --concurrency N caps it; -b: RustScan's batch size is --concurrency N here; --scan-order: RustScan's --scan-order is --order serial|random here; --tries: RustScan's --tries N is --retries N-1 here)",
    );
    expect(unknownMessage('Unknown argument: connection-timeout', ['127.0.0.1', '--connection-timeout', '5'])).toBe("unknown option --connection-timeout (--connection-timeout: masscan's --connection-timeout SEC is --banner-timeout Ns here)");
    expect(unknownMessage('Unknown argument: foo', ['127.0.0.1', '--foo'])).toBe('unknown option --foo');
  });

  it('through the CLI: one line, exit 2, nothing scanned', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1', '-a', '127.0.0.1', '-q', '--no-out-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("shardscan: error: unknown option -a (-a: RustScan's addresses are targets here: shardscan ADDR …) (see shardscan --help)\n");
    expect(r.stdout).toBe('');
  });
});

describe('--banner-timeout below 100 ms', () => {
  it('is said: a bare 5 (masscan\'s seconds) is 5 ms, and every port read unknown in silence', () => {
    const notes = resolveConfig({ targets: ['127.0.0.1'], banners: true, bannerTimeoutMs: 5 }, { tuning: null, cores: 2, fdLimit: 4096 }).notes;
    expect(notes).toContain('--banner-timeout 5 ms is too short for most services to greet or answer a probe: their ports will read unknown (a bare number is milliseconds; for seconds give e.g. --banner-timeout 5s)');
    expect(resolveConfig({ targets: ['127.0.0.1'], banners: true, bannerTimeoutMs: 100 }, { tuning: null, cores: 2, fdLimit: 4096 }).notes.join('\n')).not.toMatch(/--banner-timeout/);
    expect(resolveConfig({ targets: ['127.0.0.1'], bannerTimeoutMs: 5 }, { tuning: null, cores: 2, fdLimit: 4096 }).notes.join('\n')).not.toMatch(/--banner-timeout/);
  });
});

