/**
 * Inputs that broke shardscan once, found by the fuzz tests (and a few by
 * reading the code while fixing those), kept as fixed cases: each is refused
 * with a clean one-line error, or handled, and a refused resume writes nothing.
 * Scans here target 127.0.0.1 only.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../src/config/index.js';
import { guessWorkers } from '../src/cli/early.js';
import { flagsToConfig, parseStates } from '../src/cli/options.js';
import { ShardscanError } from '../src/errors.js';
import { buildPorts } from '../src/ports/parse.js';
import { checkShardSet, readRecords } from '../src/store/read.js';
import { planResume } from '../src/store/resume.js';
import { parseBlocklist } from '../src/targets/blocklist.js';
import { buildTargets, parseTargetToken } from '../src/targets/parse.js';
import { copyDir, snapshot } from './helpers/corrupt.js';
import { runCli, scratchDir } from './helpers/cli.js';
import { expectCleanError, noDns } from './helpers/fuzz.js';

function thrown(fn: () => unknown): ShardscanError {
  try {
    fn();
  } catch (err) {
    expectCleanError(err, 'regression');
    return err as ShardscanError;
  }
  throw new Error('expected a refusal');
}

async function rejected(p: Promise<unknown>): Promise<ShardscanError> {
  try {
    await p;
  } catch (err) {
    expectCleanError(err, 'regression');
    return err as ShardscanError;
  }
  throw new Error('expected a refusal');
}

const edit = (path: string, change: (doc: Record<string, unknown>) => void): void => {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(doc);
  writeFileSync(path, JSON.stringify(doc));
};

describe('error messages quote at most the bad token, on one line', () => {
  it('a 5,000-character token is cut, not quoted whole', () => {
    const long = `${'a'.repeat(5000)}!`;
    expect(thrown(() => parseTargetToken(long)).message.length).toBeLessThan(250);
    expect(thrown(() => buildPorts({ ports: '9'.repeat(5000) })).message.length).toBeLessThan(250);
    expect(thrown(() => parseStates('x'.repeat(5000))).message).toMatch(/'x{47}…'/);
  });

  it('a long bad token on a long -iL line is quoted alone', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'in.txt'), `127.0.0.1 ${'127.0.0.2 '.repeat(500)}bad_token! ${'127.0.0.3 '.repeat(500)}\n`);
    const err = await rejected(buildTargets({ targets: [], inputFile: join(dir, 'in.txt') }, noDns));
    expect(err.message).toMatch(/^'[^']+in\.txt' line 1: bad target 'bad_token!'/);
    expect(err.message.length).toBeLessThan(250);
  });

  it('newlines and NUL in a value are escaped, never printed raw', () => {
    expect(thrown(() => buildPorts({ ports: '1\n2' })).message).toMatch(/'1\\n2'/);
    expect(thrown(() => flagsToConfig({ rate: '\0' })).message).toMatch(/'\\u0000'/);
  });

  it('a config file that is not JSON is described, not quoted', () => {
    const path = join(scratchDir(), 'c.json');
    writeFileSync(path, `\u0000secret-looking-text${'x'.repeat(100)}`);
    const err = thrown(() => loadConfigFile(path));
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).not.toMatch(/secret-looking-text/);
  });
});

describe('target parsing', () => {
  it('host names that are Object members resolve like any other name', async () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const err = await rejected(buildTargets({ targets: [name] }, noDns));
      expect(err.code).toBe('E_RESOLVE');
    }
    const { set, resolved } = await buildTargets({ targets: ['__proto__'], resolved: JSON.parse('{"__proto__":"127.0.0.5"}') as Record<string, string> }, noDns);
    expect(set.at(0)).toBe('127.0.0.5');
    expect(Object.keys(resolved)).toEqual(['__proto__']);
  });

  it('a recorded resolution must be an address, not more target syntax', async () => {
    const err = await rejected(buildTargets({ targets: ['localhost'], resolved: { localhost: '1.2.3.4/0' } }, noDns));
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toMatch(/not an IP address/);
  });

  it('octet ranges with full trailing octets are one interval, and too many ranges are refused before any are built', () => {
    const t = parseTargetToken('0-255.0-255.0-255.*');
    expect(t.kind === 'addresses' && t.intervals).toEqual([{ v6: false, lo: 0, hi: 4294967295 }]);
    const some = parseTargetToken('10.*.3.*');
    expect(some.kind === 'addresses' && some.intervals.length).toBe(256);
    expect(thrown(() => parseTargetToken('0-255.0-255.0-255.0-254')).message).toMatch(/more than 1048576 separate ranges/);
  });
});

describe('blocklist files', () => {
  it('a stray carriage return or U+2028 inside a name is kept in the name, escaped', () => {
    const list = parseBlocklist('0.0.0.0/8\t1\r1\n192.0.2.0/24\tdocs\u2028more\r\n', 'the test list', 'test');
    expect(list.entries.map((e) => e.name)).toEqual(['1\\r1', 'docs\\u2028more']);
  });
});

describe('the command line', () => {
  it('a repeated flag keeps its last value (each one checked: cli-fuzz-refusals.test.ts); --exclude adds up', async () => {
    const r = await runCli(['127.0.0.1', '127.0.0.2', '127.0.0.3', '-p', '1', '-f', 'csv', '-f', 'ndjson', '--timeout', '5000', '--timeout', '300', '--exclude', '127.0.0.2', '--exclude', '127.0.0.3', '--states', 'all', '-q', '--no-out-dir']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { host: string }).host)).toEqual(['127.0.0.1']);
  });

  it('a --workers far out of range is one line, exit 2 (the early pool once tried to start that many threads)', async () => {
    for (const w of ['18381480440043422721', '257']) {
      const r = await runCli(['127.0.0.1', '-p', '1', '-w', w, '--no-out-dir'], { killAfterMs: 10_000 });
      expect(r.signal, `-w ${w} hung`).toBeNull();
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`shardscan: error: bad --workers '${w}': give a whole number from 1 to 256, e.g. --workers 2\n`);
    }
    expect(guessWorkers(['127.0.0.0/8', '-w', '18381480440043422721'])).toBeNull();
    expect(guessWorkers(['127.0.0.0/8', '--workers=257'])).toBeNull();
    expect(guessWorkers(['127.0.0.0/8', '--workers=256'])).toBe(256);
  });

  it('merge -o to a path that cannot be opened is one line, exit 2', async () => {
    const dir = join(scratchDir(), 'd');
    expect((await runCli(['127.0.0.1', '-p', '1-3', '--out-dir', dir, '-q'])).code).toBe(0);
    const r = await runCli(['merge', dir, '-o', '/nonexistent/report.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: cannot open --output '\/nonexistent\/report.txt': ENOENT\n$/);
  });
});

describe('damaged shard directories', () => {
  let base: string;
  let work: string;
  let n = 0;
  beforeAll(async () => {
    work = scratchDir();
    base = join(work, 'base');
    // Stopped by --max-time: interrupted, with a checkpoint and some records.
    const r = await runCli(['127.0.0.1', '-p', '1-60', '--states', 'all', '--seed', '7', '--rate', '50', '--max-time', '0.4', '--out-dir', base, '-q', '-f', 'ndjson', '-o', '/dev/null']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
  }, 30_000);
  const fresh = (): string => copyDir(base, join(work, `c${n++}`));

  async function refusedResume(dir: string, message: RegExp): Promise<void> {
    const before = snapshot(dir);
    const r = await runCli(['resume', dir, '-q']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(snapshot(dir)).toEqual(before);
  }

  it('a records file that is a directory: merge says so in one line', async () => {
    const dir = fresh();
    rmSync(join(dir, 'shard-1-of-1.ndjson'));
    mkdirSync(join(dir, 'shard-1-of-1.ndjson'));
    const r = await runCli(['merge', dir, '--allow-partial']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: records file .* is a directory\n$/);
    await expect(async () => {
      for await (const rec of readRecords(join(dir, 'shard-1-of-1.ndjson'))) void rec;
    }).rejects.toMatchObject({ code: 'E_MERGE' });
  });

  it('a manifest whose config lost a key is refused by its schema (seed was a RangeError; states crashed merge)', async () => {
    for (const key of ['seed', 'states']) {
      const dir = fresh();
      edit(join(dir, 'manifest.json'), (m) => delete (m.config as Record<string, unknown>)[key]);
      const err = await rejected(planResume(dir, {}, noDns));
      expect(err.code).toBe('E_SCHEMA');
      expect(err.message).toMatch(new RegExp(`/config must have required property '${key}'`));
      const m = await runCli(['merge', dir, '--allow-partial', '-f', 'ndjson']);
      expect(m.code, m.stderr).toBe(2);
      expect(m.stderr).toMatch(new RegExp(`^shardscan: error: [^\n]*must have required property '${key}'\n$`));
      await refusedResume(dir, new RegExp(`must have required property '${key}'`));
    }
  });

  it("the manifest's config requires every key of the config schema", () => {
    const schema = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
    const configKeys = Object.keys((schema('config') as { properties: object }).properties);
    const manifestConfig = (schema('manifest') as { properties: { config: { allOf: Array<{ required?: string[] }> } } }).properties.config;
    expect(manifestConfig.allOf.find((s) => s.required)?.required?.slice().sort()).toEqual(configKeys.slice().sort());
  });

  it('a record line without "service" is refused (resume once rewrote it as "service":undefined)', async () => {
    const dir = fresh();
    const file = join(dir, 'shard-1-of-1.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    delete rec.service;
    writeFileSync(file, [JSON.stringify(rec), ...lines.slice(1)].map((l) => `${l}\n`).join(''));
    await expect(async () => {
      for await (const r of readRecords(file)) void r;
    }).rejects.toMatchObject({ message: expect.stringMatching(/must have required property 'service'/) });
    await refusedResume(dir, /must have required property 'service'/);
  });

  it('a manifest without a field the writer always writes is refused (resume once wrote "resumed": null)', async () => {
    for (const field of ['resumed', 'recordCount', 'elapsedMs', 'stopReason', 'tool']) {
      const dir = fresh();
      edit(join(dir, 'manifest.json'), (m) => delete m[field]);
      expect(thrown(() => checkShardSet([dir], true)).code, field).toBe('E_SCHEMA');
      await refusedResume(dir, new RegExp(`must have required property '${field}'`));
    }
  });

  it('a manifest with a huge shard total is refused at once (merge once looped over every shard number)', () => {
    const dir = fresh();
    edit(join(dir, 'manifest.json'), (m) => void (m.shard = { index: 1, total: 6250620772118935 }));
    expect(thrown(() => checkShardSet([dir], false)).code).toBe('E_SCHEMA');
    const many = fresh();
    edit(join(many, 'manifest.json'), (m) => void (m.shard = { index: 1, total: 1_000_000 }));
    expect(thrown(() => checkShardSet([many], false)).message).toMatch(/missing shards 2\/1000000, .*21\/1000000, …/);
  });

  it('a checkpoint from another chunk plan is refused before the records are rewritten', async () => {
    const dir = fresh();
    edit(join(dir, 'checkpoint.json'), (c) => void (c.chunks = 99));
    await refusedResume(dir, /checkpoint\.json was made with 99 chunks/);
  });

  it('a report path that cannot be opened is refused before the records are rewritten', async () => {
    const dir = fresh();
    edit(join(dir, 'manifest.json'), (m) => void ((m.config as Record<string, unknown>).output = '/nonexistent/report.txt'));
    await refusedResume(dir, /cannot open --output/);
  });

  it('a checkpoint that claims more than its chunks hold is refused (it would end the scan at once, "complete")', async () => {
    const dir = fresh();
    edit(join(dir, 'checkpoint.json'), (c) => void (c.completedBelow = 5));
    await refusedResume(dir, /says 5 chunks are done/);
    const counts = fresh();
    edit(join(counts, 'checkpoint.json'), (c) => void ((c.counts as Record<string, number>).closed += 7));
    await refusedResume(counts, /counts \d+ decided positions, but its chunks cover \d+/);
  });

  it('a records file missing a line the checkpoint counts is refused (the resumed scan would have a hole)', async () => {
    const dir = fresh();
    const file = join(dir, 'shard-1-of-1.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    writeFileSync(file, `${lines.slice(1).join('\n')}\n`);
    await refusedResume(dir, /the checkpoint counts \d+ closed ports, but the records file holds \d+ of them/);
  });
});
