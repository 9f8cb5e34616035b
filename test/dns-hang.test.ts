/**
 * A host-name lookup that hangs does not hold Ctrl+C. The resolver here never
 * answers (a DNS sink on the loopback of a namespace of its own, with no route
 * anywhere, and resolv.conf bound over in a mount namespace of its own): the
 * first Ctrl+C ended the command only when getaddrinfo gave up, 88 s later,
 * since Node's exit joins the libuv thread it runs on.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, scratchDir } from './helpers/cli.js';
import { netnsUnavailable } from './helpers/netns.js';
import { waitFor } from './helpers/wait.js';

const why = netnsUnavailable();
const skip = why !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (why !== null && !skip) throw new Error(`network-namespace tests cannot run: ${why}. Set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them.`);

const SINK = `
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
print('ready', flush=True)
while True:
    s.recvfrom(4096)
    print('query', flush=True)
`;

describe.skipIf(skip)('a host name whose lookup never returns', () => {
  it('Ctrl+C ends the command at once, in one line, with status 130', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'sink.py'), SINK);
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:30 attempts:3\n');
    // The sink dies with the namespace's last process at the latest (timeout), and is killed below.
    const script = [
      'ip link set lo up',
      `mount --bind ${dir}/resolv.conf /etc/resolv.conf`,
      `(timeout 60 python3 ${dir}/sink.py > ${dir}/sink.log 2>&1 &)`,
      `for i in $(seq 50); do grep -q ready ${dir}/sink.log 2>/dev/null && break; sleep 0.1; done`,
      `exec ${process.execPath} ${CLI} hang.example -p 1 --no-out-dir -o /dev/null`,
    ].join(' && ');
    const child = spawn('unshare', ['-n', '-m', 'bash', '-c', script], { cwd: dir, env: { ...process.env, SHARDSCAN_STATE_DIR: join(dir, '.state'), SHARDSCAN_CONFIG_DIR: join(dir, '.config') } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      // Signalled once the lookup is under way: the sink has logged the CLI's first query (not after a fixed
      // time, which a loaded machine can outrun: the signal would then come before the lookup).
      const log = join(dir, 'sink.log');
      await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('query'), 15_000);
      const sent = performance.now();
      child.kill('SIGINT');
      const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('close', (code, signal) => {
          clearTimeout(guard);
          resolve({ code, signal });
        });
      });
      expect(performance.now() - sent).toBeLessThan(3000);
      // A shell reports either as 130: the process ends by SIGINT while the lookup still runs, so that Node's exit does not wait for it.
      expect(ended.code === 130 || ended.signal === 'SIGINT', JSON.stringify(ended)).toBe(true);
      expect(stderr).toMatch(/shardscan: interrupted before the first probe: nothing was scanned, nothing written\n/);
      expect(stderr).not.toMatch(/error/);
    } finally {
      child.kill('SIGKILL');
      try {
        execFileSync('pkill', ['-f', `${dir}/sink.py`]);
      } catch {
        // already gone
      }
    }
  }, 30_000);
});
