/**
 * Namespace plumbing for the lab: create, configure (one `ip -batch` per
 * namespace), delete, and reap what a killed run left behind. Every name starts
 * with LAB_NAME_PREFIX and carries the creating process's pid, so a reaper can
 * tell a stale namespace from one another live test is using.
 */
import { execFileSync } from 'node:child_process';

/** Every lab namespace is named `sslab-<pid>-<n>-scan|tgt`. */
export const LAB_NAME_PREFIX = 'sslab';

const NAME_RE = new RegExp(`^${LAB_NAME_PREFIX}-(\\d+)-\\d+-(scan|tgt)$`);

/** Why the lab cannot run here, or null when it can (root, ip, nft, gcc, /dev/net/tun). */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const tools: Array<[string, string]> = [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
    ['gcc', 'gcc'],
  ];
  for (const [tool, pkg] of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch (err) {
      void err;
      return `${tool} is not installed (apt-get install -y ${pkg})`;
    }
  }
  try {
    execFileSync('test', ['-c', '/dev/net/tun']);
  } catch (err) {
    void err;
    return '/dev/net/tun is missing (no TUN support)';
  }
  return null;
}

/** Run `ip` with arguments; stderr becomes the error message. */
export function ip(args: readonly string[], input?: string): string {
  try {
    return execFileSync('ip', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`lab: ip ${args.join(' ').slice(0, 200)}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Run a list of `ip` commands inside namespace `ns` in one process. */
export function ipBatch(ns: string, commands: readonly string[]): void {
  if (commands.length > 0) ip(['-n', ns, '-batch', '-'], `${commands.join('\n')}\n`);
}

/** Run a command inside namespace `ns`; returns stdout. */
export function nsExec(ns: string, command: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`lab: in ${ns}: ${command} ${args.join(' ').slice(0, 200)}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** The names of all namespaces (`ip netns list`). */
export function listNamespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name !== '');
}

/** Kill whatever still runs inside `ns`, then delete it; a missing namespace is fine. */
export function deleteNamespace(ns: string): void {
  if (!listNamespaces().includes(ns)) return;
  for (const pid of ip(['netns', 'pids', ns]).split('\n').filter((l) => l !== '')) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  ip(['netns', 'del', ns]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Delete lab namespaces whose creating process is gone; returns their names. */
export function reapStaleNamespaces(): string[] {
  const reaped: string[] = [];
  for (const name of listNamespaces()) {
    const m = NAME_RE.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    deleteNamespace(name);
    reaped.push(name);
  }
  return reaped;
}

/** TUN counters the kernel keeps: drops here mean the relay did not keep up. */
export interface TunCounters {
  txDropped: number;
  rxDropped: number;
}

/** Read the drop counters of `dev` inside `ns`. */
export function tunCounters(ns: string, dev: string): TunCounters {
  const doc = JSON.parse(ip(['-n', ns, '-s', '-j', 'link', 'show', 'dev', dev])) as Array<{
    stats64?: { rx?: { dropped?: number }; tx?: { dropped?: number } };
  }>;
  const s = doc[0]?.stats64;
  return { txDropped: s?.tx?.dropped ?? 0, rxDropped: s?.rx?.dropped ?? 0 };
}
