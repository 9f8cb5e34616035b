/**
 * A graceful stop (--max-time, Ctrl+C) keeps every position it decided: the
 * checkpoint lists what a chunk decided above its watermark (records already
 * written), so the resume probes none of it again. It used to drop and probe
 * again every record past each chunk's watermark: behind one silent port,
 * most of its chunk.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, blackholePorts, closedPorts } from './fixtures/net.js';
import { type CliResult, ndjson, runCli, scratchDir } from './helpers/cli.js';

interface Partial {
  id: number;
  watermark: number;
  done?: [number, number][];
}

const RECORDS = 'shard-1-of-1.ndjson';
let bh: Fixture;
let closed: number[];
let ports: string;

beforeAll(async () => {
  // Silent ports hold their chunks' watermarks for 3 s while the closed ports after them are decided at once.
  bh = await blackholePorts(8);
  closed = await closedPorts(600, '127.0.0.1', bh.ports);
  ports = [...bh.ports, ...closed].join(',');
}, 30_000);
afterAll(async () => {
  await bh?.close();
});

const records = (dir: string): Record<string, unknown>[] => ndjson(readFileSync(join(dir, RECORDS), 'utf8'));
const partials = (dir: string): Partial[] => (JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { partial: Partial[] }).partial;

/** Stop a scan of the silent and closed ports half-way, by --max-time or by Ctrl+C once records are written. */
async function stopped(cwd: string, how: 'max-time' | 'SIGINT', extra: string[] = []): Promise<CliResult> {
  const args = ['127.0.0.1', '-p', ports, '--states', 'all', '--min-rtt-timeout', '3s', '--out-dir', 'd', '-q', '-o', '/dev/null', ...extra];
  if (how === 'max-time') return runCli([...args, '--max-time', '0.8'], { cwd });
  return runCli(args, {
    cwd,
    onSpawn: (child) => {
      const poll = setInterval(() => {
        try {
          if (records(join(cwd, 'd')).length >= 400) {
            clearInterval(poll);
            setTimeout(() => child.kill('SIGINT'), 200);
          }
        } catch (err) {
          void err; // not written yet
        }
      }, 20);
      child.once('exit', () => clearInterval(poll));
    },
  });
}

describe('a stopped scan keeps what it decided above its watermarks', () => {
  // --workers: the chunks run on worker threads (a scan this small runs on the main thread by default).
  it.each([
    ['max-time', []],
    ['SIGINT', []],
    ['max-time', ['--workers', '2']],
  ] as const)('after a stop by %s %j the resume probes again only what was undecided, and ends exact', async (how, extra) => {
    const cwd = scratchDir();
    const first = await stopped(cwd, how, [...extra]);
    expect(first.code, first.stderr).toBe(how === 'SIGINT' ? 130 : 0);
    const written = records(join(cwd, 'd'));
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(608); // the silent ports were not decided yet
    expect(partials(join(cwd, 'd')).some((p) => (p.done?.length ?? 0) > 0)).toBe(true);
    // What status counts and what merge --allow-partial shows are the same records.
    const status = JSON.parse((await runCli(['status', 'd', '--json'], { cwd })).stdout) as { scans: { entries: { done: number }[] }[] };
    expect(status.scans[0]!.entries[0]!.done).toBe(written.length);
    const merged = await runCli(['merge', 'd', '--allow-partial', '-f', 'ndjson'], { cwd });
    expect(ndjson(merged.stdout).length).toBe(written.length);
    expect((await runCli(['validate', 'd'], { cwd })).code).toBe(0);

    const again = await runCli(['resume', 'd', '--no-max-time', '-o', '/dev/null', ...extra], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`(${written.length} records kept); 0 records past the last checkpoint will be probed again`);
    const all = records(join(cwd, 'd'));
    expect(all.length).toBe(608);
    const states = new Map(all.map((r) => [r.port as number, r.state]));
    expect(states.size).toBe(608);
    for (const p of bh.ports) expect(states.get(p)).toBe('filtered');
    for (const p of closed) expect(states.get(p)).toBe('closed');
  });

  it('a resume killed while it skips what the stop kept checkpoints those positions still, and the next resume keeps them', async () => {
    const cwd = scratchDir();
    expect((await stopped(cwd, 'max-time')).code).toBe(0);
    const kept = records(join(cwd, 'd')).length;
    // Killed after its second checkpoint (the first is written before any chunk starts, then one a second),
    // while its chunks wait on the silent ports below the kept offsets.
    const written = (): string => (JSON.parse(readFileSync(join(cwd, 'd', 'checkpoint.json'), 'utf8')) as { writtenAt: string }).writtenAt;
    const seen = new Set([written()]);
    const killed = await runCli(['resume', 'd', '--no-max-time', '-q', '-o', '/dev/null'], {
      cwd,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          try {
            seen.add(written());
          } catch (err) {
            void err; // being replaced
          }
          if (seen.size === 3) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 10);
        child.once('exit', () => clearInterval(poll));
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(seen.size).toBe(3);
    // That checkpoint lists the kept offsets its running chunks had not reached.
    expect(partials(join(cwd, 'd')).some((p) => (p.done?.length ?? 0) > 0)).toBe(true);
    const valid = await runCli(['validate', 'd'], { cwd });
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
    const last = await runCli(['resume', 'd', '--no-max-time', '-o', '/dev/null'], { cwd });
    expect(last.code, last.stderr).toBe(0);
    expect(Number(/\((\d+) records kept\)/.exec(last.stderr)?.[1])).toBeGreaterThanOrEqual(kept);
    const all = records(join(cwd, 'd'));
    expect(new Set(all.map((r) => r.port)).size).toBe(608);
    expect(all.length).toBe(608);
  });

  it('refuses a checkpoint whose done offsets are out of place, or whose counts they do not cover', async () => {
    const cwd = scratchDir();
    expect((await stopped(cwd, 'max-time')).code).toBe(0);
    const edits: [string, (p: Partial) => void, RegExp][] = [
      ['below the watermark', (p) => p.done!.unshift([p.watermark - 1, p.watermark]), /lists offsets \d+ to \d+ of chunk \d+ as done out of place/],
      ['twice', (p) => p.done!.push(p.done!.at(-1)!), /lists offsets \d+ to \d+ of chunk \d+ as done out of place/],
      ['empty', (p) => p.done!.push([p.done!.at(-1)![1] + 1, p.done!.at(-1)![1] + 1]), /lists offsets (\d+) to \1 of chunk \d+ as done out of place/],
      ['past the chunk', (p) => p.done!.push([999_999, 1_000_000]), /lists offsets 999999 to 1000000 of chunk \d+ as done out of place/],
      ['dropped', (p) => delete p.done, /counts \d+ decided positions, but its chunks cover \d+/],
    ];
    for (const [what, edit, message] of edits) {
      const dir = join(cwd, what.replace(/ /g, '-'));
      cpSync(join(cwd, 'd'), dir, { recursive: true });
      const path = join(dir, 'checkpoint.json');
      const cp = JSON.parse(readFileSync(path, 'utf8')) as { partial: Partial[] };
      edit(cp.partial.find((p) => (p.done?.length ?? 0) > 0 && p.watermark > 0)!);
      writeFileSync(path, JSON.stringify(cp));
      const r = await runCli(['resume', dir, '-q', '-o', '/dev/null'], { cwd });
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(/^shardscan: error: [^\n]+\n$/);
      expect(r.stderr, what).toMatch(message);
    }
  });
});
