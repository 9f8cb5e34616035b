/**
 * Scratch directories of the bench and the lab, removed at the latest when
 * the process exits (also through process.exit on Ctrl+C, bench/main.ts and
 * lab.ts): the callers' `finally` blocks do not run then, and
 * /tmp/shardscan-bench-* and /tmp/shardscan-lab-* were left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();
let hooked = false;

/** A new directory under the system's temp directory, named `prefix…`. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
