/**
 * Signals: the first Ctrl+C, SIGTERM or SIGHUP stops the command gracefully,
 * a second one (SAME_STOP_MS or more later) exits at once; those that came
 * while the CLI loaded are handled as if they came now.
 */
import { guardBlockingReads } from '../files.js';
import { lookupsPending } from '../targets/resolve.js';
import { clearActiveBar } from './progress.js';
import { quickExitNote } from './quick-exit.js';
import { EXIT } from './run.js';

/** Signals start.ts caught before installSignals ran, and its listener that kept them. */
export interface EarlySignals {
  signals: NodeJS.Signals[];
  listener: (s: NodeJS.Signals) => void;
}

/**
 * For an interrupted process while a host-name lookup still runs: end it now,
 * by SIGINT (its exit hooks run first), which a shell reports as 130. Node's
 * own exit joins libuv's thread pool, where the lookup may hang for the
 * resolver's whole timeout (88 s with one that never answers). With no
 * lookup running, nothing happens: the caller's exit loses no output.
 */
export function endIfLookupsHang(): void {
  if (lookupsPending() === 0) return;
  process.emit('exit', EXIT.interrupted);
  process.removeAllListeners('SIGINT');
  process.kill(process.pid, 'SIGINT');
}

/** The first signal that stopped the command, if any (start.ts ends a SIGHUP'd process by SIGHUP). */
let firstSignal: NodeJS.Signals | null = null;
export const stoppedBy = (): NodeJS.Signals | null => firstSignal;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A read that blocks this thread (a FIFO with no writer, `-iL -` from a pipe
 * that stays open) runs with the stop signals at their default action, which
 * ends the process: no handler could run before the read returns (Ctrl+C held
 * the command until SIGKILL). Such reads come before the first probe, so no
 * result is lost; in a merge (a shard's checkpoint or config files), the end
 * leaves what the SIGKILL it took before left. A shell reports it as 130.
 */
function signalsEndBlockingReads(stopping: AbortController) {
  return <T>(read: () => T): T => {
    const kept = STOP_SIGNALS.map((s) => [s, process.listeners(s)] as const);
    for (const s of STOP_SIGNALS) process.removeAllListeners(s);
    try {
      // One that came already (while the CLI loaded) would otherwise be forgotten for as long as the read waits.
      if (stopping.signal.aborted) process.kill(process.pid, firstSignal ?? 'SIGINT');
      return read();
    } finally {
      for (const [s, listeners] of kept) for (const l of listeners) process.on(s, l);
    }
  };
}

/** A line of its own past the terminal's "^C" echo; a file or pipe has none (it got an empty line before each). */
const nl = (): string => (process.stderr.isTTY ? '\n' : '');

/**
 * A stop signal this soon after the first is the same request, not a second one. One Ctrl+C on `timeout 600
 * shardscan …` reaches both (the terminal signals the whole process group) and timeout forwards it: two or three
 * SIGINTs microseconds apart, and the "second" one cut the JSON report mid-array and left -oX with no host (helper
 * 26: 8 runs of 8). A person who means a second Ctrl+C sees "stopping" first.
 */
const SAME_STOP_MS = 250;

/** First Ctrl+C / SIGTERM / SIGHUP stops the scan gracefully; a second one exits at once. */
export function installSignals(early: EarlySignals | null): AbortController {
  const controller = new AbortController();
  let stopAt = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    firstSignal ??= sig;
    if (controller.signal.aborted) {
      if (Date.now() - stopAt < SAME_STOP_MS) return;
      process.stderr.write(`${nl()}shardscan: interrupted again, exiting now${quickExitNote() === null ? '' : `; ${quickExitNote()}`}\n`);
      endIfLookupsHang();
      process.exit(EXIT.interrupted);
    }
    clearActiveBar();
    process.stderr.write(sig === 'SIGINT' ? `${nl()}shardscan: stopping (Ctrl+C again to quit at once)…\n` : `${nl()}shardscan: stopping on ${sig} (send it again to quit at once)…\n`);
    stopAt = Date.now();
    controller.abort();
  };
  // SIGHUP too: a closed terminal or a dropped ssh session must not end a scan
  // with a report cut mid-record and its lock left behind.
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  if (early) {
    process.off('SIGINT', early.listener).off('SIGTERM', early.listener).off('SIGHUP', early.listener);
    for (const s of early.signals.splice(0)) onSignal(s);
  }
  guardBlockingReads(signalsEndBlockingReads(controller));
  return controller;
}
