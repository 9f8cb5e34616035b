/**
 * nmap side by side: the same workload, fixtures and ground truth, scanned by
 * `nmap -sT` (a TCP connect scan like shardscan's, so no root and no raw
 * sockets). Parsed from nmap's greppable output (-oG -).
 */
import { spawnSync } from 'node:child_process';
import type { FoundTarget } from './accuracy.js';
import { runChild } from './child.js';

/**
 * The flags every nmap run gets: connect scan, no DNS, no host discovery,
 * the fastest template and a minimum rate above anything loopback can do, so
 * nmap is not held back by its own pacing.
 */
export const NMAP_BASE = ['-sT', '-n', '-Pn', '-T5', '--min-rate', '100000'];

/** nmap's version line, or null when nmap is not installed. */
export function nmapVersion(): string | null {
  const r = spawnSync('nmap', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return /Nmap version (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0]!.trim();
}

/** The full nmap argument list for a workload's targets/ports/extra flags. */
export function nmapArgs(workloadArgs: readonly string[]): string[] {
  return [...NMAP_BASE, ...workloadArgs, '-oG', '-'];
}

/** The command as printed: a long port list is shortened. */
export function nmapCommand(args: readonly string[]): string {
  return ['nmap', ...args.map((a) => (a.length > 60 ? `<${a.split(',').length} ports>` : a))].join(' ');
}

export interface NmapScan {
  wallMs: number;
  /** Ports nmap reported a state for (listed or summed in "Ignored State"). */
  done: number;
  found: FoundTarget[];
}

/**
 * Parse -oG output: one "Host: a.b.c.d ()\tPorts: 22/open/tcp//ssh///, ..."
 * line per host, with "Ignored State: filtered (2000)" for the ports not
 * listed. An ignored open or filtered state is expanded over `portList` (the
 * ports asked for), so W3's 2,000 filtered ports can be scored one by one.
 */
export function parseGreppable(text: string, portList: readonly number[] | null): { done: number; found: FoundTarget[] } {
  const found: FoundTarget[] = [];
  let done = 0;
  for (const line of text.split('\n')) {
    const host = /^Host: (\S+)/.exec(line)?.[1];
    if (!host || !line.includes('Ports:')) continue;
    const listed = new Set<number>();
    for (const entry of (/Ports: ([^\t]*)/.exec(line)?.[1] ?? '').split(', ')) {
      const [port, state] = entry.trim().split('/');
      if (!port || !state) continue;
      listed.add(Number(port));
      found.push({ host, port: Number(port), state });
    }
    done += listed.size;
    const ignored = /Ignored State: (\S+) \((\d+)\)/.exec(line);
    if (!ignored) continue;
    done += Number(ignored[2]);
    const state = ignored[1]!;
    if ((state === 'open' || state === 'filtered') && portList) {
      for (const port of portList) if (!listed.has(port)) found.push({ host, port, state });
    }
  }
  return { done, found };
}

/** Run nmap once; a non-zero exit is an error. */
export async function runNmap(args: readonly string[], portList: readonly number[] | null, killAfterMs: number): Promise<NmapScan> {
  const r = await runChild('nmap', args, process.env, killAfterMs);
  if (r.code !== 0) throw new Error(`${nmapCommand(args)} exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
  return { wallMs: r.wallMs, ...parseGreppable(r.stdout, portList) };
}
