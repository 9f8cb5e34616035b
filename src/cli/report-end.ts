/**
 * How a report's end can go wrong after the scan ended: a reader of standard
 * output that takes nothing holds the command, and a write that failed (a
 * full disk) leaves a report file cut short. Each is said, in one line.
 */
import { statSync } from 'node:fs';

/**
 * A report file that a write failure cut (a full disk): it keeps what was written, the only copy with
 * --no-out-dir, but looks like a whole report of fewer ports (an audit's find), so the error says so.
 */
export function cutShort(output: string | null): string {
  try {
    const st = output === null ? null : statSync(output);
    return st !== null && st.isFile() && st.size > 0 ? ' (the file stops short: it holds only what was written before)' : '';
  } catch {
    return ''; // gone, or never made
  }
}

/** How long a stopped command waits on standard output's reader before it says so. */
const READER_WAIT_SAY_MS = 2000;

/**
 * After a Ctrl+C, a reader of standard output that takes nothing (a stalled pipe) held the command after
 * "stopping…" with no word for as long as it stalled: say once what the command waits for. Returns the canceller.
 */
export function sayWhileReaderWaits(signal: AbortSignal, toStdout: boolean): () => void {
  if (!toStdout) return () => {};
  let since: number | null = null;
  const timer = setInterval(() => {
    if (!signal.aborted) return;
    since ??= performance.now();
    if (performance.now() - since < READER_WAIT_SAY_MS) return;
    clearInterval(timer);
    process.stderr.write('shardscan: waiting for the reader of standard output to take the rest of the report (Ctrl+C again to quit at once: what it has not taken is lost)\n');
  }, 250);
  timer.unref();
  return () => clearInterval(timer);
}
