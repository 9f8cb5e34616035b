/**
 * A scan on the main thread (small, no --workers) that waits on --rate or
 * --host-rate exits when it stops: the loop's wait for the next probe's
 * turn, 1/rate s, kept the process alive after --max-time, Ctrl+C or a
 * finished scan (--rate 0.01 --max-time 1: 100 s; with -w 2 it exited on
 * time). Each case here would wait 100 s; the child is killed after 20.
 */
import { describe, expect, it } from 'vitest';
import { closedPorts } from './fixtures/net.js';
import { runCli } from './helpers/cli.js';

describe('a --rate wait does not outlive the scan', () => {
  it('--rate: stopped by --max-time, the process exits', async () => {
    const ports = (await closedPorts(5)).join(',');
    const r = await runCli(['127.0.0.1', '-p', ports, '--rate', '0.01', '--max-time', '500ms', '--no-out-dir', '-q'], { killAfterMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stopped at --max-time after 1\/5 probes/);
  }, 30_000);

  it('--host-rate: a scan whose host --host-timeout gave up ends, and the process with it', async () => {
    const ports = (await closedPorts(3)).join(',');
    const r = await runCli(['127.0.0.1', '-p', ports, '--host-rate', '0.01', '--host-timeout', '100ms', '--no-out-dir', '--states', 'all', '-f', 'csv'], { killAfterMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/done: 3\/3 probes/);
  }, 30_000);

  it('Ctrl+C: the process exits with 130', async () => {
    const ports = (await closedPorts(5)).join(',');
    const r = await runCli(['127.0.0.1', '-p', ports, '--rate', '0.01', '--no-out-dir', '-q'], {
      killAfterMs: 20_000,
      onSpawn: (child) => {
        child.stderr?.once('data', () => undefined);
        setTimeout(() => child.kill('SIGINT'), 1500);
      },
    });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted after 1\/5 probes/);
  }, 30_000);
});
