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

async function refused(config: object, args: string[]): Promise<string> {
  const cwd = scratchDir();
  writeFileSync(join(cwd, 'cf.json'), JSON.stringify(config));
  const outDir = 'outDir' in config ? [] : ['--no-out-dir'];
  const r = await runCli(['--config', 'cf.json', ...args, '-q', ...outDir], { cwd });
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
  });
});
