/**
 * The one line for a failure outside the command's own handling: loading the
 * CLI itself (main.cts, start.ts), or a bug. CommonJS, so the bin can use it
 * before the bundle is loaded.
 */

/** One line for stderr, ending in a newline. */
export function fatalLine(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // The CLI's chunks are files to open: a tiny `ulimit -n` fails while they load, before any scan.
  if (code === 'EMFILE' || code === 'ENFILE') return `shardscan: out of file descriptors while starting (${code}): raise the limit (ulimit -n) and run again\n`;
  if (code === 'ECWDGONE') return `shardscan: error: ${(err as Error).message}\n`;
  return `shardscan: internal error: ${err instanceof Error ? err.message : String(err)}\n`;
}
