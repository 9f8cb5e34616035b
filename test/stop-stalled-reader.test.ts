/**
 * A reader of standard output that takes nothing (a stalled pipe). A Ctrl+C
 * then says what it waits for instead of holding on after "stopping…" with
 * no word (found by an audit), and once the reader reads, every record it
 * counted is there; a reader that leaves instead (| less, then q) leaves an
 * interrupted scan, 130 and its partial summary (it was exit 0 and no word).
 * Before any Ctrl+C, the progress line and --metrics say the scan waits for
 * its reader (it stood still with no cause given). Loopback only; closed
 * ports answer at once.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ndjson, scratchDir } from './helpers/cli.js';
import { waitFor } from './helpers/wait.js';

interface Stalled {
  child: ChildProcessWithoutNullStreams;
  stderr: () => string;
  closed: Promise<number | null>;
}

/**
 * 512,000 closed ports, all shown (far more than the pipe and the reader's buffer hold), with `more` flags; `body`
 * runs once stdout is not read and the CLI's writer waits. The scan is killed after it, whatever happened.
 */
async function stalled(more: string[], body: (s: Stalled) => Promise<void>): Promise<void> {
  const cwd = scratchDir();
  const env = { ...process.env, SHARDSCAN_CONFIG_DIR: join(cwd, '.config'), SHARDSCAN_STATE_DIR: join(cwd, '.state') };
  const child = spawn(process.execPath, [CLI, '127.0.0.0/24', '-p', '1-2000', '--seed', '1', '-f', 'ndjson', '--states', 'all', ...more], { cwd, env });
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    // Not read yet: the stream fills its buffer, then the pipe, then the CLI's writer waits.
    await waitFor(() => child.stdout.readableLength > 0, 20_000);
    await body({ child, stderr: () => stderr, closed });
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL'); // a failed wait leaves no scan behind
  }
}

describe('a stop with a stalled reader of standard output', () => {
  it('says it waits for the reader, then ends with every record once the reader reads', () =>
    stalled(['--no-out-dir', '-q'], async ({ child, stderr, closed }) => {
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGINT');
      await waitFor(() => /waiting for the reader of standard output/.test(stderr()), 10_000);
      expect(stderr()).toMatch(/^shardscan: stopping \(Ctrl\+C again to quit at once\)…\nshardscan: waiting for the reader of standard output to take the rest of the report \(Ctrl\+C again to quit at once: what it has not taken is lost\)\n$/);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      expect(await closed, stderr()).toBe(130);
      const m = /interrupted after (\d+)\/512000 probes/.exec(stderr());
      expect(m, stderr()).not.toBeNull();
      expect(ndjson(stdout)).toHaveLength(Number(m![1]));
    }), 60_000);

  it('a reader that leaves while it is waited for: interrupted, exit 130, the partial summary and how to resume', () =>
    stalled(['--out-dir', 'd'], async ({ child, stderr, closed }) => {
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGINT');
      await waitFor(() => /waiting for the reader of standard output/.test(stderr()), 10_000);
      child.stdout.destroy(); // the reader quits: every write is EPIPE
      expect(await closed, stderr()).toBe(130);
      expect(stderr()).toMatch(/\nshardscan interrupted \(signal\): \d+\/512000 probes/);
      expect(stderr()).toContain('continue with: shardscan resume d');
    }), 60_000);

  it('a reader that takes nothing is said while it lasts: the progress line and --metrics name the wait', () =>
    stalled(['--no-out-dir', '--metrics', '0'], async ({ child, stderr, closed }) => {
      // The plain status line comes every 5 s: one while the reader takes nothing says so, with no ETA.
      await waitFor(() => /progress: .*paused \d+:\d\d: the report's reader takes nothing/.test(stderr()), 15_000);
      expect(stderr()).toMatch(/progress: [^\n]*ETA --:--[^\n]*paused/);
      const url = /shardscan: metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(stderr())![1]!;
      const wait = Number(/^shardscan_output_wait_seconds ([\d.]+)$/m.exec(await (await fetch(url)).text())![1]);
      expect(wait).toBeGreaterThan(1);
      child.stdout.resume(); // the reader reads: the scan ends whole
      expect(await closed, stderr()).toBe(0);
    }), 60_000);
});
