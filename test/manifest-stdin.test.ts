/**
 * A manifest whose config names stdin ("-") as a list: no scan stores one (a
 * list read from stdin is kept in the manifest itself), so it is damage, and
 * resume, validate and merge refuse it in one line. They read this process's
 * stdin and waited on it (a fuzz case hung CI that way: in a test worker,
 * stdin is its IPC socket).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
