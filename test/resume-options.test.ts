/**
 * A resume takes a few options; its scan's own (targets, ports, states, shard,
 * seed, timing) are fixed by the shard directory's manifest. They were refused
 * as "unknown option --states", which did not say why, and nmap's spellings
 * by the name they were mapped to ("unknown option --input-file" for -iL).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unknownMessage } from '../src/cli/refusals.js';
import { maxConcurrency } from '../src/config/limits.js';
import { runCli, scratchDir } from './helpers/cli.js';

const FIXED = "for resume: a resume keeps its scan's targets, ports, states, shard, seed and timing (the shard directory's manifest; start a new scan to change them), and takes only -w, -c, --rate, --host-rate, --max-time, -S, -f, -o, -oN/-oX/-oG/-oJ FILE, -oA BASE, -q, --summary-json and --metrics";

describe('options a resume does not take', () => {
  it('names an option as it was typed (-iL, -F), not as it was mapped', () => {
    expect(unknownMessage('Unknown arguments: input-file, inputFile', ['resume', 'd', '--input-file', 'x'], ['resume', 'd', '-iL', 'x'])).toBe(`unknown option -iL ${FIXED}`);
    expect(unknownMessage('Unknown arguments: top-ports, topPorts', ['resume', 'd', '--top-ports=100'], ['resume', 'd', '-F'])).toBe(`unknown option -F ${FIXED}`);
    expect(unknownMessage('Unknown argument: input-file', ['127.0.0.1', '--input-file', 'x'], ['127.0.0.1', '--includefile', 'x'])).toBe('unknown option --includefile');
  });

  it('an option of no command, or of merge alone, is only unknown', () => {
    expect(unknownMessage('Unknown argument: foo', ['resume', 'd', '--foo'])).toBe('unknown option --foo');
    expect(unknownMessage('Unknown arguments: allow-partial, allowPartial', ['resume', 'd', '--allow-partial'])).toBe('unknown option --allow-partial');
  });

  it('the CLI: a scan option given to resume says the manifest fixes it, exit 2, and the directory still resumes', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-50', '--max-time', '0.001', '-q', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).not.toBe(2);
    // Stopped, so the last resume below has work to do (a complete directory is "already complete", also exit 0).
    const manifest = (): { status: string; resumed: number } => JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'));
    expect(manifest()).toMatchObject({ status: 'interrupted', resumed: 0 });
    for (const [args, name] of [[['--states', 'all'], '--states'], [['-p', '80'], '-p'], [['-iL', 'x'], '-iL'], [['--shard', '1/2'], '--shard'], [['-F'], '-F'], [['-p80'], '-p'], [['-p-'], '-p-']] as const) {
      const r = await runCli(['resume', 'd', ...args], { cwd });
      expect(r.stderr).toBe(`shardscan: error: unknown option ${name} ${FIXED} (see shardscan resume --help)\n`);
      expect(r.code).toBe(2);
    }
    // Without the first run's --max-time 0.001 (kept otherwise), which may stop it again with nothing decided: such a slice is not counted.
    const ok = await runCli(['resume', 'd', '-q', '-f', 'csv', '--no-max-time'], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/already complete/);
    // It ran (the refused ones above did not): resumed once.
    expect(manifest()).toMatchObject({ status: 'complete', resumed: 1 });
  });

  it('-F with -p names -F (it said "give either -p or --top-ports")', async () => {
    const r = await runCli(['127.0.0.1', '-F', '-p', '1-5', '--no-out-dir']);
    expect(r.stderr).toBe('shardscan: error: give either -p or --top-ports (-F is --top-ports 100), not both. Example: -p 22,80 or --top-ports 100\n');
    expect(r.code).toBe(2);
  });

  it('a default window cut to the starting machine\'s ulimit -n is worked out again for the resuming one; a window given is kept', async () => {
    const cwd = scratchDir();
    const concurrency = (name: string): number => (JSON.parse(readFileSync(join(cwd, name), 'utf8')) as { concurrency: number }).concurrency;
    const stopped = ['127.0.0.0/24', '-p', '1-200', '--max-time', '0.05', '-q', '-f', 'ndjson', '-o', '/dev/null', '-w', '2'];
    const low = { env: { SHARDSCAN_FD_LIMIT: '128' }, cwd };
    const high = { env: { SHARDSCAN_FD_LIMIT: '4096' }, cwd };
    for (const [dir, given] of [['byDefault', []], ['given', ['-c', '30']]] as const) {
      const first = await runCli([...stopped, ...given, '--out-dir', dir, '--summary-json', `${dir}-1.json`], low);
      expect(first.stderr).toMatch(/stopped at --max-time after \d+\/51200 probes/);
      const again = await runCli(['resume', dir, '-q', '-o', '/dev/null', '--summary-json', `${dir}-2.json`], high);
      expect(again.code, again.stderr).toBe(0);
    }
    expect(concurrency('byDefault-1.json')).toBe(maxConcurrency(128, 2));
    // It kept the first run's 38 (found by an audit).
    expect(concurrency('byDefault-2.json')).toBe(maxConcurrency(4096, 2));
    expect(JSON.parse(readFileSync(join(cwd, 'byDefault', 'manifest.json'), 'utf8'))).toMatchObject({ windowByDefault: true });
    expect(concurrency('given-1.json')).toBe(30);
    expect(concurrency('given-2.json')).toBe(30);
  });
});
