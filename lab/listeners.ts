/**
 * Accepting listeners inside the target namespace: one child process for all
 * of them, told what to open over stdin, one JSON line per request. Each
 * accepted connection is reset at once (the scanners only need the handshake).
 * The child exits when its stdin closes, so it never outlives the lab.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// Runs in the child. Each line: {"host": "198.18.1.1", "ports": [80, 443]};
// the answer: "ok N" or "error MESSAGE".
const CHILD = `
const net = require('net');
const rl = require('readline').createInterface({ input: process.stdin });
const servers = [];
rl.on('line', async (line) => {
  const { host, ports } = JSON.parse(line);
  try {
    await Promise.all(ports.map((port) => new Promise((resolve, reject) => {
      const s = net.createServer((c) => { c.on('error', () => {}); c.resetAndDestroy(); });
      s.once('error', reject);
      s.listen({ host, port, backlog: 4096 }, () => { servers.push(s); resolve(); });
    })));
    process.stdout.write('ok ' + ports.length + '\\n');
  } catch (err) {
    process.stdout.write('error ' + err.message + '\\n');
  }
});
rl.on('close', () => process.exit(0));
`;

/** The listener child of one lab. */
export class Listeners {
  private child: ChildProcessWithoutNullStreams | null = null;
  private answers: Array<(line: string) => void> = [];

  constructor(private readonly ns: string) {}

  /** The child's pid, or null before the first listen(). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '-e', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => {
      for (const answer of this.answers.splice(0)) answer(`error listener child exited with ${code}: ${stderr.trim()}`);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.answers.shift()?.(line));
    this.child = child;
    return child;
  }

  /** Listen on `ports` of `host` (an address of the target namespace). */
  async listen(host: string, ports: readonly number[]): Promise<void> {
    const child = this.start();
    const answer = await new Promise<string>((resolve) => {
      this.answers.push(resolve);
      child.stdin.write(`${JSON.stringify({ host, ports })}\n`);
    });
    if (!answer.startsWith('ok ')) throw new Error(`lab: cannot listen on ${host} ports ${ports.join(',').slice(0, 80)}: ${answer}`);
  }

  /** Close the child's stdin and wait for it (SIGKILL after 2 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.stdin.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await closed;
    clearTimeout(killer);
  }

  /** For exit handlers. */
  kill(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
