import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Complete records in a shard directory's records file so far (0 before it exists): a running scan's progress. */
export function recordsIn(dir: string): number {
  const file = join(dir, 'shard-1-of-1.ndjson');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

/** Poll `ok` every 20 ms until it holds; throws after `ms` (a test's wait for a file or a state another process makes). */
export async function waitFor(ok: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
