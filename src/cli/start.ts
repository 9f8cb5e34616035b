/**
 * The command, as the bin (main.cts) starts it from the build's bundle.
 * Worker threads take ~50 ms to boot and the command-line stack (yargs,
 * config) about as long to load, so the pool is started first and both
 * happen at once. Everything else is loaded afterwards, all of it inside
 * the try below, so even a failure to load a module is one line on stderr.
 */
import { fatalLine } from './fatal.cjs';

// A Ctrl+C or SIGTERM that comes before the CLI's own handlers exist (while it
// loads, ~0.1 s) is kept, not fatal: main() then stops the command as it would
// have (exit 130, one line), where Node's default ended it with 143 and no word.
const earlySignals: NodeJS.Signals[] = [];
const keepSignal = (s: NodeJS.Signals): void => void earlySignals.push(s);
process.on('SIGINT', keepSignal).on('SIGTERM', keepSignal).on('SIGHUP', keepSignal);
// SIGUSR1 opens Node's inspector on 127.0.0.1:9229 unless something listens for it, and any local user could then
// run code as this one (root, under the README's install); dd users send it to ask for progress. Nothing here
// asks for a debugger: it is ignored.
process.on('SIGUSR1', () => {});
// stderr carries progress, notes and the summary, never a result: a reader
// that went away (an ssh session dropped, 2>&1 | head) or a full disk must not
// end the scan with an unhandled 'error' event, a cut report and a stale lock.
process.stderr.on('error', () => {});

const argv = process.argv.slice(2);
// yargs, relative paths and the state directory all need the current
// directory; one that was deleted was "internal error: ENOENT … uv_cwd".
let cwdGone = false;
try {
  process.cwd();
} catch {
  cwdGone = true;
}
// SHARDSCAN_FAULT is a test hook (workers/fault-worker.ts), read once here.
const fault = process.env.SHARDSCAN_FAULT || null;
/** The command, from load to exit; a function, not top-level await, since the build makes it a CommonJS chunk. */
async function start(): Promise<void> {
  let pool: import('piscina').Piscina | null = null;
  let hangup = false;
  let interrupted: (() => void) | null = null;
  try {
    if (cwdGone) throw Object.assign(new Error('the current directory no longer exists; cd to one that does and run again'), { code: 'ECWDGONE' });
    const workers = (await import('./early.js')).guessWorkers(argv);
    pool = workers === null ? null : (await import('../pool/pool.js')).createPool(workers, { fault });
    const { main, stoppedBy, endIfLookupsHang } = await import('./app.js');
    process.exitCode = await main(argv, pool, fault, { signals: earlySignals, listener: keepSignal });
    hangup = stoppedBy() === 'SIGHUP';
    if (process.exitCode === 130) interrupted = endIfLookupsHang;
  } catch (err) {
    process.stderr.write(fatalLine(err));
    process.exitCode = 1;
  } finally {
    // Whatever path main() took, no worker may keep the process alive (destroy is idempotent).
    await pool?.destroy();
  }
  // Stopped by SIGHUP (its terminal closed): everything is written, and the
  // process ends by SIGHUP, as one whose terminal went away does. Node 20's own
  // exit would abort in ResetStdio on a terminal that is gone (SIGABRT, exit
  // 134, a native stack trace: nodejs/node#51519).
  if (hangup) {
    process.removeAllListeners('SIGHUP');
    process.kill(process.pid, 'SIGHUP');
  }
  // Interrupted while a host-name lookup still runs: Node's own exit would wait for it (see endIfLookupsHang).
  interrupted?.();
}

void start();
