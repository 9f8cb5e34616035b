/**
 * Scans run as child processes, so the CPU time and peak RSS the CLI reports
 * (--summary-json, all threads of its process) belong to the scan alone, not
 * to the bench and its fixtures.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SummaryDocument } from '../src/cli/run.js';
import { CLI_BIN, CLI_NODE_FLAGS, cliEnv } from '../src/cli/node-flags.js';

/** What a finished child left behind. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Spawn to exit, ms. */
  wallMs: number;
}

/**
 * Run a command to completion, collecting its output; SIGKILL it after
 * `killAfterMs`. `discardStdout` sends stdout to /dev/null (as `> /dev/null`),
 * for scans whose million records the bench does not read.
 */
export function runChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv, killAfterMs: number, discardStdout = false, cwd?: string): Promise<ChildResult> {
  const t0 = performance.now();
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', discardStdout ? 'ignore' : 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(killer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), wallMs: performance.now() - t0 });
    });
  });
}

/** One record of the CLI's ndjson, the fields the bench reads. */
export interface ScanRecord {
  host: string;
  port: number;
  state: string;
  rttMs: number;
}

export interface CliScan {
  summary: SummaryDocument;
  records: ScanRecord[];
  wallMs: number;
  /** Non-empty stderr lines (notes such as a concurrency cap). */
  notes: string[];
}

/** Where scans run: a scratch dir for summaries and an empty config dir, so no saved tuning leaks in. */
export interface ScanContext {
  scratch: string;
  killAfterMs: number;
}

/** Node's arguments that start the CLI as its bin does: its flags, then its path. */
export const CLI_ARGV: readonly string[] = [...CLI_NODE_FLAGS, CLI_BIN];

/** The command line, as a user would type it (for the JSON and the README). */
export function cliCommand(args: readonly string[]): string {
  return ['shardscan', ...args.map((a) => (a.length > 60 ? `${a.slice(0, 40)}…(${a.split(',').length} ports)` : a))].join(' ');
}

/**
 * Run `shardscan <args> -q --no-out-dir --format ndjson --summary-json F`
 * and read back its records (none with `discardStdout`) and summary. A
 * non-zero exit is an error: the bench must not average a failed scan into a figure.
 */
export async function runScan(args: readonly string[], ctx: ScanContext, discardStdout = false): Promise<CliScan> {
  const summaryPath = join(ctx.scratch, 'summary.json');
  rmSync(summaryPath, { force: true });
  const full = [...CLI_ARGV, ...args, '-q', '--no-out-dir', '--format', 'ndjson', '--summary-json', summaryPath];
  const env = cliEnv({ ...process.env, SHARDSCAN_CONFIG_DIR: join(ctx.scratch, 'config') });
  const r = await runChild(process.execPath, full, env, ctx.killAfterMs, discardStdout);
  if (r.code !== 0) {
    throw new Error(`${cliCommand(args)} exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 500)}`);
  }
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as SummaryDocument;
  const records: ScanRecord[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as ScanRecord;
    records.push({ host: rec.host, port: rec.port, state: rec.state, rttMs: rec.rttMs });
  }
  // With -q the CLI prints its summary only when the scan did not complete,
  // which --max-time scans never do: that block is expected, not a note.
  const lines = r.stderr.split('\n');
  const summaryAt = lines.findIndex((l) => /^shardscan (done|interrupted)/.test(l));
  const notes = (summaryAt < 0 ? lines : lines.slice(0, summaryAt)).map((l) => l.trim()).filter((l) => l !== '');
  return { summary, records, wallMs: r.wallMs, notes };
}
