/**
 * The summary prints the shard directory, and the command that continues it,
 * as one shell word with control characters escaped: an --out-dir holding an
 * escape sequence reached the terminal raw, and one with a space or a quote
 * made a "continue with: shardscan resume …" line that did not paste.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from './helpers/cli.js';

describe('the shard directory in the summary', () => {
  // Stopped by --max-time long before its 65,536 × 20 probes are done.
  const unfinished = ['127.0.0.0/16', '-p', '1-20', '--rate', '2000', '--max-time', '0.3', '-f', 'ndjson', '-o', '/dev/null'];

  it('quotes it for the shell and escapes its control characters, in the summary and in -q\'s one line', async () => {
    const cwd = scratchDir();
    const dir = join(cwd, "it's \u001b[31mred");
    const shown = `'${join(cwd, "it'\\''s \\u001b[31mred")}'`;
    const r = await runCli([...unfinished, '--out-dir', dir], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain(`  shard files: ${join(cwd, "it's \\u001b[31mred")}  (continue with: shardscan resume ${shown})\n`);
    const q = await runCli([...unfinished, '--out-dir', `${dir}2`, '-q'], { cwd });
    expect(q.code, q.stderr).toBe(0);
    expect(q.stderr.endsWith(`; continue with: shardscan resume ${shown.slice(0, -1)}2'\n`), q.stderr).toBe(true);
  });

  it('leaves a plain path as it is', async () => {
    const cwd = scratchDir();
    const r = await runCli([...unfinished, '--out-dir', join(cwd, 'plain-1.d'), '-q'], { cwd });
    expect(r.stderr.endsWith(`; continue with: shardscan resume ${join(cwd, 'plain-1.d')}\n`), r.stderr).toBe(true);
  });
});
