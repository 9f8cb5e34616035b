/**
 * Network namespaces the tests create themselves (root and iproute2 needed;
 * nftables for firewall rules). Scans inside them only ever target the
 * namespace's own loopback, so nothing leaves this machine, or even the namespace.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

let counter = 0;

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', 'nft']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch (err) {
      void err;
      return `${tool} is not installed (apt-get install -y ${tool === 'ip' ? 'iproute2' : 'nftables'})`;
    }
  }
  return null;
}

export class Netns {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** A fresh namespace with its loopback up. */
  static create(): Netns {
    const name = `shardscan-t${process.pid}-${counter++}`;
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return new Netns(name);
  }

  /** Load an nftables ruleset (nft -f syntax) inside the namespace. */
  nft(ruleset: string): void {
    execFileSync('ip', ['netns', 'exec', this.name, 'nft', '-f', '-'], { input: ruleset });
  }

  sysctl(key: string, value: string): void {
    execFileSync('ip', ['netns', 'exec', this.name, 'sysctl', '-qw', `${key}=${value}`]);
  }

  /** A listener on 127.0.0.1:`port` inside the namespace that accepts and closes; resolves once it listens (kill it when done). */
  async listen(port: number): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, '-e', `require('net').createServer(s => s.destroy()).listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    return child;
  }

  /** Shell prefix that runs a command inside the namespace (for runCli's `prefix`). */
  get prefix(): string {
    return `exec ip netns exec ${this.name}`;
  }

  destroy(): void {
    execFileSync('ip', ['netns', 'del', this.name]);
  }
}
