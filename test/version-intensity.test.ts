/**
 * nmap's -sV tuning options are refused in one line that says why, as README
 * promises for nmap options shardscan cannot honour: --version-intensity N,
 * --version-light, --version-all and --version-trace got the generic
 * "unknown option", and a pasted `nmap -sV --version-intensity 0 …` with it.
 */
import { describe, expect, it } from 'vitest';
import { argvRefusal } from '../src/cli/refusals.js';
import { normalizeArgv } from '../src/cli/options.js';
import { runCli } from './helpers/cli.js';

const LEVELS = "sets how many of nmap's -sV probes a port gets; shardscan has no intensity levels: --banners (-sV) reads every open port with its whole probe list, within --banner-timeout (shorten that for a quicker read)";
const refusal = (args: string[]): string | null => argvRefusal(normalizeArgv(args));

describe("nmap's -sV tuning options", () => {
  it.each([
    [['127.0.0.1', '-sV', '--version-intensity', '0'], `--version-intensity ${LEVELS}`],
    [['127.0.0.1', '--version-intensity=9'], `--version-intensity ${LEVELS}`],
    [['-sV', '--version-light', '127.0.0.1'], `--version-light ${LEVELS}`],
    [['127.0.0.1', '-sTV', '--version-all'], `--version-all ${LEVELS}`],
    [['127.0.0.1', '-version-intensity', '2'], `-version-intensity (nmap's --version-intensity) ${LEVELS}`],
    [['127.0.0.1', '-sV', '--version-trace'], "--version-trace traces nmap's -sV probes; shardscan prints no probe trace: --banners (-sV) puts what it read (service, product, version) in each open port's record"],
  ])('%o is refused by what it is', (args, message) => {
    expect(refusal(args)).toBe(message);
  });

  it('a pasted nmap command line: one line, exit 2, no scan', async () => {
    const r = await runCli(['-sV', '--version-intensity', '0', '-p', '1', '127.0.0.1', '--no-out-dir']);
    expect(r.stderr).toBe(`shardscan: error: --version-intensity ${LEVELS}\n`);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });
});
