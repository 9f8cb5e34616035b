/**
 * The module layout (STYLE.md: data flows one way; types live below the code
 * that uses them): no file in src/ or workers/ over 400 lines, no import cycle
 * among them, src/model/ imports nothing else of ours, the writers and the
 * store never reach into the pool, and the worker threads never load the CLI,
 * the writers, the store or the pool. Imports are read from the source text,
 * type-only ones included: a type import is a dependency of the design too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const MAX_LINES = 400;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(path));
    else if (/\.(c|m)?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file names: static and type imports, re-exports, import() and require() of a literal. */
function specifiers(text: string): string[] {
  const patterns = [
    /(?:^|[\n;])\s*(?:import|export)\s[^;'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
}

/**
 * A relative specifier → the source file it means (foo.js → foo.ts, foo.cjs → foo.cts, or → foo.ts where foo.cjs is
 * the build's CommonJS bundle of it: workers/entry.cts requires scan-worker.cjs), relative to ROOT.
 */
function resolveSpecifier(from: string, spec: string, files: ReadonlySet<string>): string {
  const target = relative(ROOT, resolve(ROOT, dirname(from), spec));
  const candidates = [target.replace(/\.js$/, '.ts'), target.replace(/\.cjs$/, '.cts'), target.replace(/\.cjs$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target];
  const hit = candidates.find((c) => files.has(c));
  if (!hit) throw new Error(`${from}: cannot resolve import '${spec}' to a file in src/ or workers/`);
  return hit;
}

/** The import graph of our own modules: file → files it imports. */
function importGraph(): Map<string, string[]> {
  const files = [...sources('src'), ...sources('workers')];
  const set = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const specs = specifiers(readFileSync(join(ROOT, f), 'utf8')).filter((s) => s.startsWith('.'));
    graph.set(f, [...new Set(specs.map((s) => resolveSpecifier(f, s, set)))]);
  }
  return graph;
}

/** The first cycle found by depth-first search, as a path that ends where it starts; null when there is none. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

const graph = importGraph();

/** Lines as `wc -l` counts them, plus a last line without a newline. */
const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

/** Edges from files under `from` to files under any of `to`, as "a → b". */
function edges(from: string, to: (target: string) => boolean): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) if (f.startsWith(from)) for (const d of deps) if (to(d)) out.push(`${f} → ${d}`);
  return out.sort();
}

describe('layout', () => {
  it('reads the import graph of every module (the checks below see real edges)', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get('workers/window.ts')).toEqual(['src/wire/slots.ts']);
    expect(graph.get('src/pool/decode.ts')).toContain('src/model/line-bytes.ts');
    // A type import counts; so does the require() of the scan module's bundle (scan-worker.cjs, built from scan-worker.ts).
    expect(graph.get('workers/entry.cts')).toEqual(['src/wire/messages.ts', 'workers/scan-worker.ts']);
  });

  it(`keeps every file in src/ and workers/ at most ${MAX_LINES} lines`, () => {
    const long = [...graph.keys()]
      .map((f) => ({ f, lines: lineCount(readFileSync(join(ROOT, f), 'utf8')) }))
      .filter((x) => x.lines > MAX_LINES)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });

  it('has no import cycle among src/ and workers/', () => {
    const cycle = findCycle(graph);
    expect(cycle === null ? 'no cycle' : `cycle: ${cycle.join(' → ')}`).toBe('no cycle');
  });

  it('src/model/ imports nothing of ours outside src/model/', () => {
    expect(edges('src/model/', (d) => !d.startsWith('src/model/'))).toEqual([]);
  });

  it('src/output/ and src/store/ never import src/pool/', () => {
    const intoPool = (d: string): boolean => d.startsWith('src/pool/');
    expect([...edges('src/output/', intoPool), ...edges('src/store/', intoPool)]).toEqual([]);
  });

  it('workers/ never imports src/cli, src/output, src/store or src/pool', () => {
    expect(edges('workers/', (d) => /^src\/(cli|output|store|pool)\//.test(d))).toEqual([]);
  });

  // Helper 22: `import type net from 'node:net'` lands in the published .d.ts as it is, and a consumer's tsc without
  // esModuleInterop (module CommonJS) refused it: "Module 'node:net' has no default export". `import type * as net` is read by any.
  it("names a Node module's types by a namespace import, never a default one", () => {
    const defaults = [...graph.keys()].filter((f) => /^import type \w+ from 'node:[\w/]+';/m.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(defaults).toEqual([]);
  });
});

describe('the layout checks themselves', () => {
  it('find a cycle and name it', () => {
    const g = new Map([['a', ['b']], ['b', ['c', 'd']], ['c', []], ['d', ['e']], ['e', ['b']]]);
    expect(findCycle(g)).toEqual(['b', 'd', 'e', 'b']);
    expect(findCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a']);
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeNull();
  });

  it('read every form of import', () => {
    const text = [
      "import { a } from './a.js';",
      "import type {\n  B,\n  C,\n} from '../b.js';",
      "export * from './c.js';",
      "export { type D } from \"./d.js\";",
      "import './side.js';",
      "const m = await import('./dyn.js');",
      "const r = require('./req.cjs');",
      "import { x as y, z } from 'node:fs';",
    ].join('\n');
    expect(specifiers(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './dyn.js', './req.cjs', './side.js', 'node:fs'].sort());
  });
});
