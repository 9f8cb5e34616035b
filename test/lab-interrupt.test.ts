/**
 * A program using the lab, interrupted: its namespaces are deleted and it
 * exits 130, also on a second Ctrl+C during the clean-up (a `once` handler
 * let that one kill the process between two `ip netns del`: both namespaces
 * leaked in 7 of 7 tries) and during the lab's set-up. Needs root, iproute2,
 * nftables and gcc; SHARDSCAN_SKIP_ROOT_TESTS=1 skips it.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listNamespaces } from '../lab/netns.js';
import { skipLab } from './helpers/lab.js';

const skip = skipLab();
const LAB = resolve(import.meta.dirname, '../dist/lab/lab.js');

/** A child that builds a lab, says "ready", and waits; the namespaces it made carry its pid. */
function labChild(): { child: ReturnType<typeof spawn>; ready: Promise<void>; exited: Promise<number | null> } {
  const code = `const { Lab } = await import(${JSON.stringify(LAB)}); await Lab.create({ delayMs: 5, hosts: ['198.18.1.1'] }); process.stdout.write('ready\\n'); setInterval(() => {}, 1e6);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = new Promise<void>((done, fail) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && done());
    child.once('exit', () => fail(new Error('the lab child exited before it was ready')));
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  return { child, ready, exited };
}

const ours = (pid: number | undefined): string[] => listNamespaces().filter((n) => n.includes(`-${pid}-`));

describe.skipIf(skip)('a lab interrupted', () => {
  it('two Ctrl+C in quick succession: exit 130, both namespaces gone', async () => {
    const { child, ready, exited } = labChild();
    await ready;
    expect(ours(child.pid)).toHaveLength(2);
    child.kill('SIGINT');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(ours(child.pid)).toEqual([]);
  });

  it('SIGTERM during the set-up: exit 143, nothing left', async () => {
    const { child, exited } = labChild();
    // The namespaces exist before the relay is up: interrupt in between.
    const until = Date.now() + 10_000;
    while (ours(child.pid).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(ours(child.pid)).toEqual([]);
  });
});
