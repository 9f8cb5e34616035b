/**
 * Corrupting a shard directory on purpose, for the fuzz tests: byte flips,
 * truncation, JSON values swapped for others, lines duplicated or foreign or
 * very long, files removed or replaced by directories. Also a byte-exact
 * snapshot of a directory, to prove a refused command changed nothing.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { anyText, jsonText, targetText } from './fuzz.js';

export const SHARD_FILES = ['manifest.json', 'checkpoint.json', 'shard-1-of-1.ndjson'] as const;
type ShardFile = (typeof SHARD_FILES)[number];

type Path = (string | number)[];

export type Mutation =
  | { file: ShardFile; op: 'replace'; text: string }
  | { file: ShardFile; op: 'truncate'; at: number }
  | { file: ShardFile; op: 'bytes'; edits: { at: number; byte: number; mode: 'set' | 'insert' | 'delete' }[] }
  | { file: ShardFile; op: 'json'; pick: number; line: number; value: unknown; remove: boolean }
  | { file: ShardFile; op: 'line'; kind: 'duplicate' | 'garbage' | 'long' | 'foreign' | 'blank' | 'crlf'; at: number; text: string }
  | { file: ShardFile; op: 'remove' }
  | { file: ShardFile; op: 'directory' };

const file = fc.constantFrom(...SHARD_FILES);

/** One corruption. JSON-level edits are the most common: they get past JSON.parse. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ file, op: fc.constant('replace' as const), text: fc.oneof(jsonText, anyText) }) },
  { weight: 1, arbitrary: fc.record({ file, op: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      file,
      op: fc.constant('bytes' as const),
      edits: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), mode: fc.constantFrom('set' as const, 'insert' as const, 'delete' as const) }), { minLength: 1, maxLength: 4 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      file,
      op: fc.constant('json' as const),
      pick: fc.nat(),
      line: fc.nat(),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 1 }),
        fc.integer({ min: -2, max: 2 ** 53 }),
        fc.constantFrom(0, 1, 2, 1e300, -1, '', 'complete', 'interrupted', '127.0.0.2', '::1', 'open', 'closed', [], {}, null, 'shard-2-of-1.ndjson', '../../etc/passwd', '2026-01-01T00:00:00Z'),
        targetText,
      ),
      remove: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      file: fc.constant('shard-1-of-1.ndjson' as const),
      op: fc.constant('line' as const),
      kind: fc.constantFrom('duplicate' as const, 'garbage' as const, 'long' as const, 'foreign' as const, 'blank' as const, 'crlf' as const),
      at: fc.nat(),
      text: anyText,
    }),
  },
  { weight: 1, arbitrary: fc.record({ file, op: fc.constant('remove' as const) }) },
  { weight: 1, arbitrary: fc.record({ file, op: fc.constant('directory' as const) }) },
);

/** Every path to a value inside a JSON document (objects and arrays, any depth). */
function paths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...prefix, k], ...paths((value as Record<string | number, unknown>)[k], [...prefix, k])]);
}

function setAt(doc: unknown, path: Path, value: unknown, remove: boolean): void {
  let node = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(node)) delete node[last];
  else if (remove) (node as unknown as unknown[]).splice(Number(last), 1);
  else node[last] = value;
}

function editJson(text: string, m: Extract<Mutation, { op: 'json' }>): string {
  const doc = JSON.parse(text) as unknown;
  const all = paths(doc);
  if (all.length === 0) return JSON.stringify(m.value);
  setAt(doc, all[m.pick % all.length]!, m.value, m.remove);
  return JSON.stringify(doc);
}

function editLines(text: string, m: Extract<Mutation, { op: 'line' }>): string {
  const lines = text.split('\n');
  const at = lines.length === 0 ? 0 : m.at % lines.length;
  const line = lines[at] ?? '';
  const insert: Record<typeof m.kind, string[]> = {
    duplicate: [line, line],
    garbage: [line, m.text],
    long: [line, `{"host":"127.0.0.1","port":1,"state":"closed","reason":"${'x'.repeat(100_000)}","rttMs":1,"service":"tcpmux","ts":"2026-01-01T00:00:00Z"}`],
    foreign: [line, '{"host":"127.0.0.9","port":80,"state":"open","reason":"syn-ack","rttMs":1,"service":"http","ts":"2026-01-01T00:00:00Z"}'],
    blank: [line, ''],
    crlf: [`${line}\r`],
  };
  lines.splice(at, 1, ...insert[m.kind]);
  return lines.join('\n');
}

/** Apply a corruption to a shard directory. */
export function corrupt(dir: string, m: Mutation): void {
  const path = join(dir, m.file);
  if (m.op === 'remove') return void rmSync(path, { recursive: true, force: true });
  if (m.op === 'directory') {
    rmSync(path, { recursive: true, force: true });
    return void mkdirSync(path);
  }
  if (!existsSync(path) || statSync(path).isDirectory()) return;
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8');
  let out: Buffer | string;
  switch (m.op) {
    case 'replace':
      out = m.text;
      break;
    case 'truncate':
      out = bytes.subarray(0, bytes.length === 0 ? 0 : m.at % bytes.length);
      break;
    case 'bytes': {
      const b = [...bytes];
      for (const e of m.edits) {
        const at = b.length === 0 ? 0 : e.at % b.length;
        if (e.mode === 'set' && b.length > 0) b[at] = e.byte;
        else if (e.mode === 'insert') b.splice(at, 0, e.byte);
        else b.splice(at, 1);
      }
      out = Buffer.from(b);
      break;
    }
    case 'json':
      if (m.file === 'shard-1-of-1.ndjson') {
        const lines = text.split('\n');
        const i = lines.length === 0 ? 0 : m.line % lines.length;
        try {
          lines[i] = editJson(lines[i]!, m);
        } catch (err) {
          void err; // the line was not JSON (an earlier corruption): leave it
        }
        out = lines.join('\n');
      } else {
        try {
          out = editJson(text, m);
        } catch (err) {
          void err; // not JSON any more (an earlier corruption): leave it
          out = text;
        }
      }
      break;
    case 'line':
      out = editLines(text, m);
      break;
  }
  writeFileSync(path, out);
}

/** A byte-exact picture of a directory: names, kinds and contents. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out[name] = statSync(path).isDirectory() ? `<dir: ${readdirSync(path).join(',')}>` : readFileSync(path).toString('base64');
  }
  return out;
}

/** A fresh copy of a base directory to corrupt. */
export function copyDir(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}
