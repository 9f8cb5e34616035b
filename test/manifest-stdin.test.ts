/**
 * A manifest whose config names stdin ("-") as a list: no scan stores one (a
 * list read from stdin is kept in the manifest itself), so it is damage, and
 * resume, validate and merge refuse it in one line. They read this process's
 * stdin and waited on it (a fuzz case hung CI that way: in a test worker,
 * stdin is its IPC socket).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { MAX_MANIFEST_BYTES } from '../src/files.js';
import { prepareScan } from '../src/prepare.js';
import { OutDir } from '../src/store/outdir.js';
import { runCli, scratchDir } from './helpers/cli.js';

describe("a manifest that names stdin ('-') as a list", () => {
  it.each(['inputFile', 'excludeFile'])('config.%s "-": resume, validate and merge refuse it, without reading stdin', async (key) => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-300', '--states', 'all', '--rate', '500', '--max-time', '0.2', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const path = join(cwd, 'd', 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
    writeFileSync(path, JSON.stringify({ ...m, config: { ...m.config, [key]: '-' } }));
    const said = new RegExp(`manifest\\.json: config\\.${key} is '-' \\(stdin\\), which no scan stores`);
    // stdin a pipe that stays open and empty for 2 s: read, it held the command that long, then gave another error.
    for (const args of [['resume', 'd', '-q', '-o', '/dev/null'], ['validate', 'd'], ['merge', 'd', '--allow-partial', '-f', 'ndjson', '-o', '/dev/null']]) {
      const r = await runCli(args, { cwd, prefix: 'sleep 2 | ' });
      expect(`${r.stdout}${r.stderr}`, args[0]).toMatch(said);
      expect([1, 2], args[0]).toContain(r.code);
    }
  }, 60_000);
});

// Helper 21: a 12 MB list on stdin made a 19 MB manifest, and status, validate, resume and merge all said EFBIG (they
// read it with the 16 MiB cap of config files), after a scan that said "continue with: shardscan resume".
describe('a manifest that keeps a long list read from stdin', () => {
  it('is read back above 16 MiB', async () => {
    const cwd = scratchDir();
    const first = await runCli(['127.0.0.1', '-p', '1-300', '--rate', '500', '--max-time', '0.2', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const path = join(cwd, 'd', 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
    // 17 MiB of exclusions, as a list on stdin leaves them (they match nothing of this scan).
    const exclude = Array.from({ length: 1_200_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    writeFileSync(path, JSON.stringify({ ...m, config: { ...m.config, exclude } }, null, 2));
    expect(readFileSync(path).length).toBeGreaterThan(16 << 20);
    const r = await runCli(['status', 'd'], { cwd });
    expect(r.stdout + r.stderr).not.toMatch(/EFBIG/);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('that would be too large to read back is refused before the scan starts, leaving no directory', async () => {
    const { config } = resolveConfig({ targets: ['127.0.0.1'], ports: '1' }, { tuning: null });
    const prep = await prepareScan(config);
    const dir = join(scratchDir(), 'd');
    const huge = { ...prep, config: { ...prep.config, exclude: ['1'.repeat(MAX_MANIFEST_BYTES)] } };
    expect(() => OutDir.create(dir, huge, 'id', new Date())).toThrow(/manifest would hold 65 MiB, more than the 64 MiB .*-iL FILE/);
    expect(existsSync(dir)).toBe(false);
  });
});
