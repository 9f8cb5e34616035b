/**
 * Where shard directories go when --out-dir is not given: the user's state
 * directory (XDG Base Directory: $XDG_STATE_HOME/shardscan, by default
 * ~/.local/state/shardscan), never the directory the user happens to stand
 * in. SHARDSCAN_STATE_DIR overrides it (tests, containers), as
 * SHARDSCAN_CONFIG_DIR does for the tuning file.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHARDSCAN_STATE_DIR) return env.SHARDSCAN_STATE_DIR;
  // The spec ignores a relative XDG_STATE_HOME: it would depend on the current directory again.
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state');
  return join(base, 'shardscan');
}

/** A new scan's shard directory under the state directory. */
export function defaultShardDir(scanId: string): string {
  return join(stateDir(), scanId);
}
