/**
 * A setting the --config file gave is refused in the file's words: the
 * checks run after the file and the flags are merged and know only flags, so
 * `{"family": 6}` was "drop -6" and `{"maxTimeSec": 1e9}` "bad --max-time" to
 * a user who typed neither, and a relative "inputFile" "cannot read target
 * file 'targets.txt'" with no word of where it came from (helper 17). A value
 * a flag gave is refused as the flag's, as before.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

async function refused(config: object, args: string[], files: Record<string, string> = {}, stdin?: string): Promise<string> {
  const cwd = scratchDir();
  writeFileSync(join(cwd, 'cf.json'), JSON.stringify(config));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const outDir = 'outDir' in config ? [] : ['--no-out-dir'];
  const r = await runCli(['--config', 'cf.json', ...args, '-q', ...outDir], { cwd, onSpawn: (child) => child.stdin?.end(stdin ?? '') });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  return r.stderr.replaceAll(cwd, 'CWD');
}

describe("a config file's setting that is refused", () => {
  // Helper 18: a config file's workers ran none on a small scan, where -w N runs N.
  it('a config file\'s "workers" starts worker threads on a small scan, as -w does', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'cf.json'), JSON.stringify({ workers: 2 }));
    const r = await runCli(['--config', 'cf.json', '127.0.0.1', '-p', '1-20', '-q', '--no-out-dir', '--summary-json', 's.json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    // 20 probes are one chunk: one thread, as -w 2 gives (it was none: "no worker threads").
    expect(JSON.parse(readFileSync(join(cwd, 's.json'), 'utf8'))).toMatchObject({ workers: 2, workerThreads: 1 });
  });

  it.each([
    [{ maxTimeSec: 1e9 }, ['127.0.0.1', '-p', '1'], `config file 'cf.json': "maxTimeSec": bad --max-time 1000000000: at most 2147483 seconds (24.8 days); for no limit, leave it out`],
    [{ family: 6 }, ['127.0.0.1', '-p', '1'], `config file 'cf.json': "family": -6 scans IPv6 only`],
    [{ shard: { index: 2, total: 4 } }, ['127.0.0.1', '-p', '1'], `config file 'cf.json': "shard": --shard 2/4 needs --seed`],
    [{ inputFile: 'targets.txt', ports: '1' }, [], `config file 'cf.json': "inputFile": cannot read target file 'targets.txt': ENOENT (a name in a config file is taken from the current directory, CWD, as on the command line)`],
    // Helper 18: more refusals of a file's value that named a flag nobody typed.
    [{ shard: { index: 5, total: 4 } }, ['127.0.0.1', '-p', '1'], `config file 'cf.json': "shard": bad shard 5/4: x must be at most y`],
    [{ sourceAddress: '::1' }, ['127.0.0.1', '-p', '1'], `config file 'cf.json': "sourceAddress": --source-address ::1 is IPv6, but 1 of the targets is IPv4`],
    [{ outDir: 'cf.json/sub' }, ['127.0.0.1', '-p', '1'], `config file 'cf.json': "outDir": cannot create --out-dir 'cf.json/sub': ENOTDIR`],
  ])('%j is named as the file\'s', async (config, args, said) => {
    expect(await refused(config, args)).toMatch(new RegExp(`^shardscan: error: ${said.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\n]*\n$`));
  });

  it('a value a flag gave (over the file\'s) is refused as the flag\'s', async () => {
    expect(await refused({ family: 6 }, ['-4', '::1', '-p', '1'])).toMatch(/^shardscan: error: -4 scans IPv4 only/);
    expect(await refused({ shard: { index: 2, total: 4 } }, ['--shard', '3/4', '127.0.0.1', '-p', '1'])).toMatch(/^shardscan: error: --shard 3\/4 needs --seed/);
    expect(await refused({ ports: '1' }, ['--banners', '--states', 'closed', '127.0.0.1'])).toMatch(/^shardscan: error: --banners reads open ports/);
  });

  // Helper 18: refusals of two settings together, and of a line of the file's list files, named flags nobody typed.
  it.each([
    [{ banners: true, states: ['closed'], targets: ['127.0.0.1'], ports: '1' }, [], `config file 'cf.json': "banners" and "states": --banners reads open ports, but --states closed shows none.`],
    [{ banners: true, targets: ['127.0.0.1'], ports: '1' }, ['--states', 'closed'], `config file 'cf.json': "banners", with --states from the command line: --banners reads open ports`],
    [{ ports: '1', topPorts: 10, targets: ['127.0.0.1'] }, [], `config file 'cf.json': "ports" and "topPorts": give either -p or --top-ports`],
  ])('the combination %j (flags %j) is named by the file\'s keys', async (config, args, said) => {
    expect(await refused(config, args)).toContain(`shardscan: error: ${said}`);
  });

  it("a bad line of the file's inputFile or excludeFile, and stdin read twice, are named as the file's", async () => {
    const files = { 't.txt': '127.0.0.1\nbogus..x\n', 'x.txt': '127.0.0.1\n127.0.0.300\n' };
    expect(await refused({ inputFile: 't.txt', ports: '1' }, [], files)).toMatch(/^shardscan: error: config file 'cf.json': "inputFile": 't.txt' line 2: bad target 'bogus..x'/);
    expect(await refused({ excludeFile: 'x.txt', ports: '1', targets: ['127.0.0.1'] }, [], files)).toMatch(/^shardscan: error: config file 'cf.json': "excludeFile": 'x.txt' line 2: bad exclusion '127.0.0.300'/);
    // The same lines given by flags are the flags' own, as before.
    expect(await refused({ ports: '1' }, ['-iL', 't.txt'], files)).toMatch(/^shardscan: error: 't.txt' line 2: bad target/);
    expect(await refused({ excludeFile: '-', ports: '1', targets: ['127.0.0.1'] }, ['-iL', '-'], {}, '127.0.0.2\n')).toMatch(/^shardscan: error: only one of --input-file and "excludeFile" \(config file 'cf.json'\) can read stdin/);
    expect(await refused({ inputFile: '-', ports: '1' }, ['--exclude-file', '-'], {}, '127.0.0.2\n')).toMatch(/^shardscan: error: only one of "inputFile" \(config file 'cf.json'\) and --exclude-file can read stdin/);
    // Helper 23: the file named once, after both keys; a bad line without the note on relative file names (it read as said of the host).
    expect(await refused({ inputFile: '-', excludeFile: '-', ports: '1' }, [], {}, '127.0.0.2\n')).toBe(`shardscan: error: only one of "inputFile" and "excludeFile" (config file 'cf.json') can read stdin (-)\n`);
    expect(await refused({ inputFile: 't.txt', ports: '1' }, [], files)).not.toMatch(/current directory/);
  });
});
