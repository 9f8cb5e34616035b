/**
 * What `npm pack` ships: what `main`, `types`, `exports` and `bin` point to,
 * the worker and its bundle, the schemas and data files; not the bench, the
 * lab, test fixtures, build scripts or source maps whose sources are not in
 * the package (1.8 MB of the 3.3 MB a user installed served no one).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('the package', () => {
  it('ships what runs, and nothing of the bench, the lab, the tests or the build', () => {
    // --ignore-scripts: no build (prepare) while other tests use dist/.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, string> };
    for (const f of [pkg.main, pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports)]) expect(files, f).toContain(f.replace(/^\.\//, ''));
    for (const f of ['dist/workers/entry.cjs', 'dist/workers/scan-worker.cjs', 'dist/schemas/config.validator.cjs', 'dist/schemas/summary.validator.cjs', 'schemas/summary.schema.json', 'data/banners.json', 'data/blocklist.tsv', 'data/tcp-ports.tsv']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('dist/src/cli/bundle/'))).toBe(true);
    expect(files.filter((f) => /^dist\/(bench|lab|test)\/|\.map$|^dist\/src\/build-/.test(f))).toEqual([]);
  });
});
