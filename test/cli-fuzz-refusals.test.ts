/**
 * Refusals an argv fuzzer found wanting (audit helper 30): each is one line
 * that names the option and the value as typed, escaped and cut as quote()
 * does, and a command line with an unknown option never exits 0.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { normalizeArgv } from '../src/cli/options.js';
import { argvRefusal, foreignRefusal } from '../src/cli/refusals.js';
import { fileOptionsApart } from '../src/cli/spellings.js';
import { parseShard } from '../src/shard/plan.js';
import { parseTargetToken } from '../src/targets/parse.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from './helpers/cli.js';

/** What the CLI refuses a command line with, in the order main() asks. */
const refusal = (typed: string[]): string | null => {
  const given = fileOptionsApart(['127.0.0.1', ...typed]);
  return foreignRefusal(given) ?? argvRefusal(normalizeArgv(given));
};

describe("nmap's -T, -P, -F<n>, -v<x> and -d refused with the token escaped and cut", () => {
  it.each([
    ['-T4\n', '-T4\\n is not a timing template'],
    ['-v\u001b[2J', '-v\\u001b[2J is not an option'],
    ['-PS\nX', '-PS\\nX is nmap host discovery'],
    ['-F1\nX', '-F1\\nX is not an option: -F takes no number (it is the top 100 ports); for another count use --top-ports N, e.g. --top-ports 100'],
  ])('%j', (typed, start) => {
    const said = refusal([typed])!;
    expect(said.startsWith(start)).toBe(true);
    expect(said).not.toMatch(/[\n\u001b]/);
  });

  it('a 100 kB token is cut to 48 characters', () => {
    for (const typed of [`-T${'x'.repeat(100_000)}`, `-d${'d'.repeat(100_000)}`]) {
      const said = refusal([typed])!;
      expect(said.length).toBeLessThan(400);
      expect(said).toContain('…');
    }
  });

  it('-F with a count still suggests --top-ports with it', () => {
    expect(refusal(['-F50'])).toBe('-F50 is not an option: -F takes no number (it is the top 100 ports); for another count use --top-ports N, e.g. --top-ports 50');
  });
});

describe("RustScan's short options with their value glued on (clap takes -b5000): refused by name, with what to give instead", () => {
  it.each([
    ['-b5000', "unknown option -b (in '-b5000'; -b: RustScan's batch size is --concurrency N here)"],
    ['-t500', "unknown option -t (in '-t500'; -t: RustScan's -t MS is --timeout MS here (milliseconds too))"],
    ['-a127.0.0.1', "unknown option -a (in '-a127.0.0.1'; -a: RustScan's addresses are targets here: shardscan ADDR …)"],
    ['-x22', "unknown option -x (in '-x22'; -x: RustScan's excluded addresses are --exclude LIST here)"],
    ['-b1h', "unknown option -b (in '-b1h'; -b: RustScan's batch size is --concurrency N here)"],
  ])('%s', (typed, said) => {
    expect(refusal([typed])).toBe(said);
  });
});

describe('a cluster with -h or -V and a letter that is no option', () => {
  it.each([
    ['-Vx', "unknown option -x in '-Vx' (see shardscan --help)"],
    ['-xV', "unknown option -x in '-xV' (see shardscan --help)"],
    ['-hzk', "unknown options -z, -k in '-hzk' (see shardscan --help)"],
  ])('%s is refused', (typed, said) => {
    expect(refusal([typed])).toBe(said);
  });

  it("nmap's own words come first: -Th is no timing template, -PnV host discovery (helper 31)", () => {
    expect(refusal(['-Th'])).toMatch(/^-Th is not a timing template/);
    expect(refusal(['-PnV'])).toMatch(/^-PnV is nmap host discovery/);
  });

  it('clusters of known letters are left to yargs (-Vq prints the version, as getopt reads it)', () => {
    for (const typed of ['-Vq', '-qV', '-hV', '-nV']) expect(refusal([typed])).toBeNull();
  });

  it('through the CLI: -Vx and -b1h exit 2 with one line, not the version or the help with 0', async () => {
    for (const typed of ['-Vx', '-b1h']) {
      const r = await runCli(['127.0.0.1', '-p', '1', typed, '-q', '--no-out-dir']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^shardscan: error: unknown option -[xb] [^\n]*\n$/);
    }
  });
});

describe('refusals that say what is wrong with the value', () => {
  it('-S of any length is a bad --source-address, not a schema path', () => {
    expect(() => resolveConfig({ sourceAddress: 'a'.repeat(65) })).toThrow(/^bad --source-address 'a{47}…': give an IPv4 or IPv6 address of this machine/);
    expect(() => resolveConfig({ sourceAddress: 'a'.repeat(10) })).toThrow(/^bad --source-address 'a{10}': give an IPv4 or IPv6 address/);
  });

  it('--shard names its limit of 1,000,000 shards', () => {
    expect(() => parseShard('1/1048576')).toThrow("bad --shard '1/1048576': give x/y with 1 <= x <= y <= 1,000,000, e.g. --shard 2/4");
    expect(parseShard('1000000/1000000')).toEqual({ index: 1000000, total: 1000000 });
  });

  it('a rate under 0.001 is shown as a decimal, quoted', () => {
    expect(() => resolveConfig({ rate: 1e-10 })).toThrow("bad --rate '0.0000000001': give 0 (no cap) or at least 0.001 probes per second, e.g. --rate 100");
    expect(() => resolveConfig({ hostRate: 0.0005 })).toThrow("bad --host-rate '0.0005': give 0 (no cap)");
  });

  it.each([
    ['127.0.0.0/+8', "prefix '/+8' is not a prefix length: give a whole number of bits, 0-32"],
    ['127.0.0.0/8.5', "prefix '/8.5' is not a prefix length"],
    ['127.0.0.1/31/1', "prefix '/31/1' is not a prefix length"],
    ['::1/+1', "prefix '/+1' is not a prefix length: give a whole number of bits, 0-128"],
    ['127.0.0.0/33', "prefix '/33' must be 0-32"],
    ['127.0.0.0/1000', "prefix '/1000' must be 0-32"],
    ['127.0.0.0/0008', "prefix '/0008' has a leading zero: write /8 if you mean it"],
  ])('%s: %s', (token, why) => {
    expect(() => parseTargetToken(token)).toThrow(why);
  });
});

describe('a flag given more than once: the last value wins, and every value is checked (as nmap checks each)', () => {
  it.each([
    [['--rate=-1', '--rate', '5'], "bad --rate '-1'"],
    [['--timeout=NaN', '--timeout', '100'], "bad --timeout 'NaN'"],
    [['--seed=5e2', '--seed', '5'], "bad --seed '5e2'"],
    [['-f', 'nope', '-f', 'csv'], "bad --format 'nope'"],
    [['-w', '0', '-w', '1'], "bad --workers '0'"],
  ])('%j is refused by its bad value', async (flags, said) => {
    const r = await runCli(['127.0.0.1', '-p', '1', '-q', '--no-out-dir', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`shardscan: error: ${said}`)).toBe(true);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stdout).toBe('');
  });

  it('an earlier value is checked with everything else as given: a --config file\'s seed serves every --shard (helper 31)', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'c.json'), '{"seed": 5}');
    const ok = await runCli(['127.0.0.1', '-p', '1-3', '-q', '--no-out-dir', '--config', 'c.json', '--shard', '1/2', '--shard', '2/2'], { cwd: dir });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const bad = await runCli(['127.0.0.1', '-p', '1-3', '-q', '--no-out-dir', '--config', 'c.json', '--shard', '3/2', '--shard', '2/2'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^shardscan: error: bad --shard '3\/2'/);
  });

  it('resume and merge check them too', async () => {
    const dir = scratchDir();
    const first = await runCli(['127.0.1.0/28', '-p', '1-40', '-q', '--rate', '300', '--max-time', '0.3s', '--out-dir', 'd'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    for (const [args, said] of [
      [['resume', 'd', '-q', '--rate=-1', '--rate', '500'], "bad --rate '-1'"],
      [['resume', 'd', '-q', '-w', '0', '-w', '1'], "bad --workers '0'"],
      [['merge', 'd', '--allow-partial', '-f', 'nope', '-f', 'ndjson'], "bad --format 'nope'"],
      [['merge', 'd', '--allow-partial', '--states', 'nope', '--states', 'all'], "bad --states 'nope'"],
    ] as const) {
      const r = await runCli([...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(`shardscan: error: ${said}`), r.stderr).toBe(true);
    }
    // Refused before anything was probed: the directory is as the first run left it.
    expect((await runCli(['status', 'd'], { cwd: dir })).stdout).toMatch(/interrupted \(time-limit\) +\d+\/640/);
  });

  it('good values repeated still scan with the last (--rate 5 --rate 7000, -f csv -f ndjson)', async () => {
    const r = await runCli(['127.0.0.1', '-p', '1', '--no-out-dir', '--states', 'all', '--rate', '5', '--rate', '7000', '-f', 'csv', '-f', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ host: '127.0.0.1', port: 1, state: 'closed' });
  });
});
