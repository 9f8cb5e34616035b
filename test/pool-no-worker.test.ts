/**
 * A pool with no worker thread left fails the scan with one clear error
 * instead of waiting forever. Piscina replaces a worker that dies, but not
 * one that fails while it boots (ERR_WORKER_INIT_FAILED: out of descriptors),
 * and the tasks queued on it then never ran. With no descriptor free at all,
 * scan() fails before its pool with one line as well.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import { ShardscanError } from '../src/errors.js';
import { packagePath } from '../src/paths.js';
import { PoolRunner, keepErrors } from '../src/pool/pool.js';
import type { ChunkTask } from '../src/wire/messages.js';
import { scratchDir } from './helpers/cli.js';

/** Piscina's part that PoolRunner uses: its threads, run(), destroy() and the two events. */
class FakePool extends EventEmitter {
  threads: object[] = [{}, {}];
  readonly maxThreads = 2;
  run(): Promise<never> {
    return new Promise(() => undefined); // queued: no worker ever takes it
  }
  destroy(): Promise<void> {
    return Promise.resolve();
  }
}

const task = { port: null } as unknown as ChunkTask;
const initFailure = Object.assign(new Error('Worker initialization failure: EMFILE'), { code: 'ERR_WORKER_INIT_FAILED' });

function runner(): { fake: FakePool; pool: PoolRunner } {
  const fake = new FakePool();
  return { fake, pool: new PoolRunner(fake as unknown as Piscina) };
}

describe('PoolRunner when its workers are gone', () => {
  it('rejects the runs queued on it, and every later one, once the last worker failed to boot', async () => {
    const { fake, pool } = runner();
    const queued = pool.run(task);
    fake.threads = [];
    fake.emit('error', initFailure);
    const err = await queued.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShardscanError);
    expect((err as ShardscanError).code).toBe('E_WORKER');
    expect((err as Error).message).toBe('no worker thread could be started or kept (Worker initialization failure: EMFILE); too few file descriptors are free: raise the limit (ulimit -n) or close some');
    await expect(pool.run(task)).rejects.toBe(err);
  });

  it('names the cause when the workers failed before the runner was made (the CLI starts its pool first)', async () => {
    const fake = new FakePool();
    keepErrors(fake);
    fake.threads = [];
    fake.emit('error', initFailure);
    await expect(new PoolRunner(fake as unknown as Piscina).run(task)).rejects.toThrow(/^no worker thread could be started or kept \(Worker initialization failure: EMFILE\); too few file descriptors/);
  });

  it('does not give up while a worker is left, or when Piscina replaced the one that died', async () => {
    const { fake, pool } = runner();
    const queued = pool.run(task);
    let settled = false;
    void queued.then(
      () => (settled = true),
      () => (settled = true),
    );
    expect(pool.threads).toBe(2);
    fake.threads = [{}];
    fake.emit('error', initFailure); // one of two failed: the other scans
    expect(pool.threads).toBe(1); // and the summary's workerThreads says 1, not the 2 asked for
    fake.threads = [];
    fake.emit('workerDestroy'); // a worker died: Piscina adds its replacement in the same call
    fake.threads = [{}];
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
  });

  it('a worker that died with no replacement fails the runs with a plain cause', async () => {
    const { fake, pool } = runner();
    const queued = pool.run(task);
    fake.threads = [];
    fake.emit('workerDestroy');
    await expect(queued).rejects.toThrow(/^no worker thread could be started or kept \(every worker thread ended\)$/);
  });

  it('its own destroy() is not a dead pool', async () => {
    const { fake, pool } = runner();
    await pool.destroy();
    fake.threads = [];
    fake.emit('workerDestroy');
    await new Promise((r) => setImmediate(r));
    let rejected = false;
    void pool.run(task).catch(() => (rejected = true));
    await new Promise((r) => setImmediate(r));
    expect(rejected).toBe(false);
    expect(pool.threads).toBe(2); // the threads it ran on, for the summary made after a scan's own runner is destroyed
  });
});

/** scan() in a child process that took every descriptor but `free` after loading the library; what it printed, and how it ended. */
async function scanWithFds(free: number): Promise<{ code?: string; message?: string; status?: string }> {
  const dir = scratchDir();
  const script = join(dir, 'few-fds.mjs');
  writeFileSync(
    script,
    `import { closeSync, openSync } from 'node:fs';
const { scan } = await import(process.argv[2]);
const fds = [];
try { for (;;) fds.push(openSync('/dev/null', 'r')); } catch { /* the limit */ }
for (let i = 0; i < ${free}; i++) closeSync(fds.pop());
try {
  const h = scan({ targets: ['127.0.0.1'], ports: '1-20000', workers: 2 });
  for await (const r of h) void r;
  console.log(JSON.stringify({ status: (await h.summary).status }));
} catch (e) {
  console.log(JSON.stringify({ code: e.code, message: e.message }));
}
`,
  );
  const lib = pathToFileURL(packagePath('dist', 'src', 'index.js')).href;
  const child = spawn('bash', ['-c', `ulimit -n 200; exec '${process.execPath}' '${script}' '${lib}'`], { cwd: dir });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('close', (c, s) => r([c, s])));
  clearTimeout(killer);
  expect(signal, 'killed after 30 s: the scan hung').toBeNull();
  expect(code).toBe(0);
  return JSON.parse(stdout) as { code?: string; message?: string };
}

describe('scan() in a process with almost no file descriptor free', () => {
  it('fails at once with E_WORKER naming EMFILE and ulimit -n, where it hung with 0 threads and its chunks queued', async () => {
    const out = await scanWithFds(2); // the worker threads cannot boot
    expect(out.code).toBe('E_WORKER');
    expect(out.message).toMatch(/^no worker thread could be started or kept \(Worker initialization failure: EMFILE\); too few file descriptors are free: raise the limit \(ulimit -n\)/);
  }, 40_000);

  it("with none free, fails with E_IO saying what to do, where Node's raw EMFILE came back (reading package.json)", async () => {
    const out = await scanWithFds(0);
    expect(out.code).toBe('E_IO');
    expect(out.message).toMatch(/^out of file descriptors before the scan began \(EMFILE: too many open files, open '[^']+'\): raise the limit \(ulimit -n\) or close some$/);
  }, 40_000);
});
