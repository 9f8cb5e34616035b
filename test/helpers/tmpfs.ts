/** A tiny tmpfs for full-disk tests (root needed, like the namespace tests; SHARDSCAN_SKIP_ROOT_TESTS=1 skips them). */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './cli.js';

/** Whether to skip a full-disk test: only without root and with SHARDSCAN_SKIP_ROOT_TESTS=1; without root otherwise, it fails loudly. */
export function skipTmpfs(): boolean {
  const root = process.getuid?.() === 0;
  if (root) return false;
  if (process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1') return true;
  throw new Error('the full-disk tests mount a tmpfs and need root; set SHARDSCAN_SKIP_ROOT_TESTS=1 to skip them');
}

/** `fn` on a tmpfs of `size` mounted at a scratch directory named `name`, unmounted after, whatever happens. */
export async function onTmpfs(name: string, size: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = join(scratchDir(), name);
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  try {
    await fn(dir);
  } finally {
    execFileSync('umount', [dir]);
  }
}
