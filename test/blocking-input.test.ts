/**
 * An input that makes the CLI wait in a system call (a FIFO with no writer, a
 * pipe that stays open) does not hold Ctrl+C or SIGTERM. The read runs on the
 * main thread, where no signal handler can run until it returns: the command
 * waited until SIGKILL. Now the signal ends it, as it ends `cat` (a shell
 * shows 130), and nothing has been written.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli, scratchDir } from './helpers/cli.js';

/** Resolves once `pid` waits in the kernel for a FIFO's other end, or for data on a pipe or socket (its wchan says so). */
async function blockedInRead(pid: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    } catch {
      // Not started yet, or gone: the loop's end reports it.
    }
    if (/partner|fifo|pipe|unix_stream/.test(wchan)) return wchan;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pid ${pid} never blocked on a FIFO or pipe`);
}

/** Run the CLI, send `sig` once it waits on its input, and return how it ended (a hung one is killed after 8 s). */
async function signalWhileBlocked(args: string[], sig: NodeJS.Signals, cwd = scratchDir()): Promise<CliResult & { waited: string }> {
  let waited = '';
  const result = await runCli(args, {
    cwd,
    killAfterMs: 8000,
    onSpawn: (child) => {
      void blockedInRead(child.pid ?? -1).then(
        (w) => {
          waited = w;
          child.kill(sig);
        },
        () => child.kill('SIGKILL'),
      );
    },
  });
  return { ...result, waited };
}

describe('a signal while the CLI waits on its input', () => {
  it('-iL FIFO with no writer: Ctrl+C ends the command, nothing written', async () => {
    const dir = scratchDir();
    execFileSync('mkfifo', [join(dir, 'targets')]);
    const r = await signalWhileBlocked(['-iL', 'targets', '-p', '1', '-o', 'report.txt'], 'SIGINT', dir);
    expect(r.waited).not.toBe('');
    expect(r.signal, r.stderr).toBe('SIGINT');
    expect(existsSync(join(dir, 'report.txt'))).toBe(false);
    expect(existsSync(join(dir, '.state'))).toBe(false);
  });

  it('--config FIFO whose writer never writes: SIGTERM ends the command', async () => {
    const dir = scratchDir();
    const fifo = join(dir, 'config.json');
    execFileSync('mkfifo', [fifo]);
    // A writer that holds the FIFO open and writes nothing: the CLI's open returns, its read waits.
    const writer = spawn('bash', ['-c', `exec 3>${fifo}; sleep 20`], { stdio: 'ignore' });
    try {
      const r = await signalWhileBlocked(['127.0.0.1', '-p', '1', '--config', 'config.json', '--no-out-dir'], 'SIGTERM', dir);
      expect(r.waited).toMatch(/pipe/);
      expect(r.signal, r.stderr).toBe('SIGTERM');
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('a FIFO as the saved tuning file (read by every scan without -w and -c): Ctrl+C ends the command (it waited until SIGKILL)', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, '.config'));
    execFileSync('mkfifo', [join(dir, '.config', 'tuning.json')]);
    const r = await signalWhileBlocked(['127.0.0.1', '-p', '1', '--no-out-dir'], 'SIGINT', dir);
    expect(r.waited).not.toBe('');
    expect(r.signal, r.stderr).toBe('SIGINT');
  });

  it('-iL - from a stream that stays open: Ctrl+C ends the command', async () => {
    // runCli's stdin is a socket pair (what Node's spawn makes) that the test never writes or closes.
    const r = await signalWhileBlocked(['-iL', '-', '-p', '1', '--no-out-dir'], 'SIGINT');
    expect(r.waited).toMatch(/unix_stream/);
    expect(r.signal, r.stderr).toBe('SIGINT');
  });

  it.each(['resume', 'status', 'validate', 'merge'])('%s of a directory whose manifest.json is a FIFO: Ctrl+C ends it', async (command) => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'shard'));
    execFileSync('mkfifo', [join(dir, 'shard', 'manifest.json')]);
    const r = await signalWhileBlocked([command, 'shard'], 'SIGINT', dir);
    expect(r.waited).toMatch(/partner|fifo/);
    expect(r.signal, r.stderr).toBe('SIGINT');
  });
});
