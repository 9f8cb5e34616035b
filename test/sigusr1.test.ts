/**
 * SIGUSR1 during a scan: Node 20 opens its inspector on 127.0.0.1:9229 when
 * nothing listens for it (and says "Debugger listening…" on stderr, -q or
 * not), and any local user could then attach and run code as the scanner's
 * user (root, under the README's install). dd users send it to ask for
 * progress. The scan goes on as if nothing came (found by an audit).
 * Loopback only.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, blackholePorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { checkpointIn, signalWhen } from './helpers/wait.js';

let filtered: Fixture;
beforeAll(async () => {
  filtered = await blackholePorts(2);
});
afterAll(() => filtered?.close());

/** Whether something accepts connections on 127.0.0.1:9229 (Node's inspector port). */
function inspectorListening(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: 9229 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('SIGUSR1', () => {
  it('opens no debugger, and the scan ends as usual', async () => {
    expect(await inspectorListening()).toBe(false);
    const cwd = scratchDir();
    let during: boolean | null = null;
    // The filtered ports hold the scan for their 1.5 s timeout; the signal comes once its checkpoint is written (its handlers are in by then).
    const r = await runCli(['127.0.0.1', '-p', filtered.ports.join(','), '--timeout', '1500', '--min-rtt-timeout', '1500ms', '-q', '--out-dir', 'd', '-o', '/dev/null'], {
      cwd,
      onSpawn: (child) =>
        void signalWhen(child, () => checkpointIn(join(cwd, 'd')), 'SIGUSR1').then(async () => {
          await new Promise((ok) => setTimeout(ok, 300));
          during = await inspectorListening();
        }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Debugger/);
    expect(during).toBe(false);
  });
});
