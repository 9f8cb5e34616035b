/**
 * Where the package's own files live. Code runs both from src/ (vitest) and from
 * dist/src/ (the built CLI), at different depths, so walk up to package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding shardscan's package.json. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown };
      if (pkg.name === 'shardscan') return (root = dir);
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('shardscan: cannot find the package root (package.json)');
    dir = up;
  }
}

/** A file shipped with the package (data/, schemas/, dist/). */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** The package version, for manifests and --version. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
