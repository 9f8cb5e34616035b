/**
 * `--` before a subcommand's directories. yargs left what follows `--` in
 * `_`, which only a scan read: `merge -- d` said it needs the directories,
 * `status -- d` listed the state directory, and `resume -- d` resumed the
 * latest interrupted scan there, not d. Scripts write `cmd -- "$@"`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeArgv } from '../src/cli/options.js';
import { runCli, scratchDir } from './helpers/cli.js';

/** No network but this namespace's own loopback: a word read wrongly cannot reach DNS. */
const LOOPBACK_ONLY = `unshare -n sh -c 'ip link set lo up; exec "$0" "$@"'`;

const statusOf = (cwd: string, dir: string): string => (JSON.parse(readFileSync(join(cwd, dir, 'manifest.json'), 'utf8')) as { status: string }).status;

describe('-- before the directories of a subcommand', () => {
  it('gives what follows to the subcommand as its directories; one that starts with "-" as ./-name', () => {
    expect(normalizeArgv(['merge', '-f', 'csv', '--', 'd', '-x'])).toEqual(['merge', '-f', 'csv', 'd', './-x']);
    expect(normalizeArgv(['-q', 'status', '--', 'd'])).toEqual(['status', '-q', 'd']);
    expect(normalizeArgv(['resume', '--', '-q'])).toEqual(['resume', './-q']);
    // A scan's targets stay behind "--" (scanCommand reads them there).
    expect(normalizeArgv(['-p', '1', '--', '127.0.0.1'])).toEqual(['-p', '1', '--', '127.0.0.1']);
  });

  it('resume, status, validate and merge take the directory after --; resume no longer takes the latest scan of the state directory', async () => {
    const cwd = scratchDir();
    const run = (args: string[]) => runCli(args, { cwd, prefix: LOOPBACK_ONLY });
    const stopped = ['-p', '1-400', '--rate', '400', '--max-time', '0.3', '-q', '-f', 'ndjson', '-o', '/dev/null'];
    // "latest": the scan resume takes with no directory, in the state directory; "mine": the one named after --.
    const latest = await run(['127.0.0.2', ...stopped]);
    expect(latest.code, latest.stderr).toBe(0);
    const mine = await run(['127.0.0.1', ...stopped, '--out-dir', 'mine']);
    expect(mine.code, mine.stderr).toBe(0);
    expect(statusOf(cwd, 'mine')).toBe('interrupted');

    const status = await run(['status', '--json', '--', 'mine']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { dirs: string[] }).dirs).toEqual(['mine']);

    const resumed = await run(['resume', '-q', '--no-max-time', '--', 'mine']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(statusOf(cwd, 'mine')).toBe('complete');

    const valid = await run(['validate', '--', 'mine']);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/^mine: ok /);

    const merged = await run(['merge', '-f', 'csv', '--', 'mine']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout.split('\n')[0]).toBe('host,port,state,service,reason,rtt_ms,ts');
  });
});
