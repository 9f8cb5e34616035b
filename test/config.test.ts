import { join } from 'node:path';
import { truncateSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY, checkConfig, resolveConfig } from '../src/config/index.js';
import { SORTED_REPORT_FDS, cores, maxConcurrency } from '../src/config/limits.js';
import { configDir, loadTuning, saveTuning } from '../src/config/tuning.js';
import { flagsToConfig } from '../src/cli/options.js';
import { buildPorts } from '../src/ports/parse.js';
import { runCli, scratchDir } from './helpers/cli.js';

const saved = process.env.SHARDSCAN_CONFIG_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.SHARDSCAN_CONFIG_DIR;
  else process.env.SHARDSCAN_CONFIG_DIR = saved;
});

/** The message flagsToConfig refuses `values` (written to the config file `config`) and `flags` with, or '' when it takes them. */
function refusal(config: string, values: object, flags: object): string {
  writeFileSync(config, JSON.stringify(values));
  try {
    flagsToConfig({ config, ...flags });
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('config', () => {
  it('refuses a descriptor limit that leaves no connect for each worker, naming the limit and what a scan needs', () => {
    // 64 kept, 32 for the sorted text report's runs, 8 per worker: 2 workers need 114 to have one connect each.
    expect(resolveConfig({ targets: ['127.0.0.1'] }, { tuning: null, cores: 2, fdLimit: 114 }).config.concurrency).toBe(2);
    expect(() => resolveConfig({ targets: ['127.0.0.1'] }, { tuning: null, cores: 2, fdLimit: 113 })).toThrow(
      expect.objectContaining({ code: 'E_FD_LIMIT', message: expect.stringMatching(/ulimit -n 113 leaves none for connects \(a scan with 2 workers needs at least 114\)/) }),
    );
    // An NDJSON report is not sorted: 82 are enough.
    expect(resolveConfig({ targets: ['127.0.0.1'], format: 'ndjson' }, { tuning: null, cores: 2, fdLimit: 82 }).config.concurrency).toBe(2);
    expect(() => resolveConfig({ targets: ['127.0.0.1'], format: 'ndjson', workers: 1 }, { tuning: null, cores: 2, fdLimit: 72 })).toThrow(/a scan with 1 worker needs at least 73/);
  });

  it('fills defaults, freezes the result, and picks a random seed when none is given', () => {
    const a = resolveConfig({ targets: ['127.0.0.1'] }, { tuning: null, cores: 2, fdLimit: 20000 });
    const b = resolveConfig({ targets: ['127.0.0.1'] }, { tuning: null, cores: 2, fdLimit: 20000 });
    expect(a.config).toMatchObject({ workers: 2, concurrency: Math.min(DEFAULT_CONCURRENCY, maxConcurrency(20000, 2, SORTED_REPORT_FDS)), timeoutMs: 3000, initialRttTimeoutMs: 1000, minRttTimeoutMs: 100, retries: 10, order: 'random', format: 'text', states: ['open'] });
    // The default window is as wide as the descriptors allow, without a note.
    const tight = resolveConfig({ targets: ['127.0.0.1'] }, { tuning: null, cores: 2, fdLimit: 256 });
    // The default text report is sorted by host: room is kept for its temporary runs.
    expect(tight.config.concurrency).toBe(maxConcurrency(256, 2, SORTED_REPORT_FDS));
    expect(maxConcurrency(256, 2, SORTED_REPORT_FDS)).toBeLessThan(maxConcurrency(256, 2));
    expect(resolveConfig({ targets: ['127.0.0.1'], format: 'ndjson' }, { tuning: null, cores: 2, fdLimit: 256 }).config.concurrency).toBe(maxConcurrency(256, 2));
    const reports = [{ format: 'xml' as const, output: 'a.xml' }, { format: 'grep' as const, output: 'a.gnmap' }, { format: 'csv' as const, output: 'a.csv' }];
    expect(resolveConfig({ targets: ['127.0.0.1'], format: 'ndjson', extraReports: reports }, { tuning: null, cores: 2, fdLimit: 256 }).config.concurrency).toBe(maxConcurrency(256, 2, 2 * SORTED_REPORT_FDS));
    expect(tight.notes).toEqual([]);
    expect(Object.isFrozen(a.config)).toBe(true);
    expect(Object.isFrozen(a.config.states)).toBe(true);
    expect(a.randomSeed).toBe(true);
    expect(a.config.seed).not.toBe(b.config.seed);
  });

  it('caps concurrency to the descriptor limit and says so', () => {
    const r = resolveConfig({ targets: ['127.0.0.1'], concurrency: 100_000 }, { tuning: null, cores: 2, fdLimit: 256 });
    expect(r.config.concurrency).toBe(maxConcurrency(256, 2, SORTED_REPORT_FDS));
    expect(r.config.concurrency).toBeLessThan(256);
    expect(r.notes.join('\n')).toMatch(/--concurrency 100000 does not fit the file-descriptor limit \(ulimit -n 256\); using \d+/);
  });

  // -w 2 -c 1 ran one worker, and only the summary's "workers: 1" said so.
  it('says when --workers is more than --concurrency allows (one connect a worker at least)', () => {
    const r = resolveConfig({ targets: ['127.0.0.1'], workers: 2, concurrency: 1 }, { tuning: null, cores: 2, fdLimit: 4096 });
    expect(r.config.workers).toBe(1);
    expect(r.notes).toEqual(['--workers 2 is more than the 1 connect in flight --concurrency allows; using 1 worker']);
    // Not when the worker count was the default.
    expect(resolveConfig({ targets: ['127.0.0.1'], concurrency: 1 }, { tuning: null, cores: 2, fdLimit: 4096 }).notes).toEqual([]);
  });

  it('says when a timing bound is above its ceiling (it is clamped to it)', () => {
    const opts = { tuning: null, cores: 2, fdLimit: 4096 };
    expect(resolveConfig({ targets: ['127.0.0.1'], timeoutMs: 1000, minRttTimeoutMs: 5000 }, opts).notes).toEqual(['--min-rtt-timeout 5000 ms is above the --timeout ceiling of 1000 ms; using 1000 ms']);
    expect(resolveConfig({ targets: ['127.0.0.1'], maxRttTimeoutMs: 300, initialRttTimeoutMs: 2000 }, opts).notes).toEqual(['--initial-rtt-timeout 2000 ms is above the --max-rtt-timeout ceiling of 300 ms; using 300 ms']);
    // The defaults (initial 1000 ms) under a low --timeout are not the user's doing: no note, also when a manifest spells them out.
    expect(resolveConfig({ targets: ['127.0.0.1'], timeoutMs: 300 }, opts).notes).toEqual([]);
    expect(resolveConfig({ targets: ['127.0.0.1'], timeoutMs: 50, minRttTimeoutMs: 100, initialRttTimeoutMs: 1000 }, opts).notes).toEqual([]);
  });

  it.each([
    [{ timeoutMs: 0 }, /\/timeoutMs must be >= 1/],
    [{ order: 'sideways' }, /\/order must be one of "random", "serial"/],
    [{ states: [] }, /\/states must NOT have fewer than 1 items/],
    [{ bogus: 1 }, /unknown key 'bogus'$/],
    // The flag's spelling, a missing unit or plural: the key it meant is named.
    [{ 'top-ports': 10 }, /unknown key 'top-ports' \(did you mean 'topPorts'\?\)/],
    [{ timeout: 2000 }, /unknown key 'timeout' \(did you mean 'timeoutMs'\?\)/],
    [{ max_time: 5 }, /unknown key 'max_time' \(did you mean 'maxTimeSec'\?\)/],
    [{ shard: { index: 1 } }, /\/shard must have required property 'total'/],
    // As --host-timeout's range (the audit: 1e15 ms was taken, "11574074.1 days").
    [{ hostTimeoutMs: 2_147_000_001 }, /\/hostTimeoutMs must be <= 2147000000/],
  ])('rejects %j naming the field', (bad, message) => {
    expect(() => checkConfig({ targets: ['127.0.0.1'], ...bad }, 'config')).toThrowError(message);
  });

  it('reads a config file that starts with a byte-order mark (it was "Unexpected token")', async () => {
    const dir = scratchDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'c.json'), `\ufeff${JSON.stringify({ targets: ['127.0.0.1'], ports: '1', states: ['closed'], format: 'csv' })}`);
    const r = await runCli(['--config', 'c.json', '-q', '--no-out-dir'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^host,port,state/);
  });

  it('refuses a config file that gives a key twice, naming both places (JSON keeps the last: a second "exclude" scanned what the first left out)', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'dup.json'), '{\n  "exclude": ["127.0.0.5"],\n  "ports": "1",\n  "exclude": ["127.0.0.6"]\n}\n');
    const r = await runCli(['--config', 'dup.json', '127.0.0.1-127.0.0.6', '--no-out-dir'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('shardscan: error: config file \'dup.json\': "exclude" is given twice (line 2, column 3, and line 4, column 3); JSON keeps only the last: give it once\n');
    // Keys of different objects, and the same words as values, are no repeat.
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ ports: '1', shard: { index: 1, total: 1 }, seed: 1, targets: ['127.0.0.1'], states: ['closed'], format: 'csv' }));
    expect((await runCli(['--config', 'ok.json', '-q', '--no-out-dir'], { cwd: dir })).code).toBe(0);
  });

  it('refuses a --max-time or a pace gap longer than a timer holds (the scan stopped at once, exit 0)', () => {
    expect(() => resolveConfig({ maxTimeSec: 3_000_000 })).toThrowError(/^bad --max-time 3000000: at most 2147483 seconds \(24\.8 days\)/);
    expect(resolveConfig({ maxTimeSec: 2_147_483 }).config.maxTimeSec).toBe(2_147_483);
    expect(() => resolveConfig({ rate: 0.0001 })).toThrowError(/^bad --rate '0\.0001': give 0 \(no cap\) or at least 0\.001/);
    expect(() => resolveConfig({ hostRate: 0.0005 })).toThrowError(/^bad --host-rate/);
    expect(resolveConfig({ rate: 0, hostRate: 0.001 }).config).toMatchObject({ rate: 0, hostRate: 0.001 });
  });

  it('refuses saved tuning outside the flags\' bounds (300 workers ran, and made a manifest its own tools refused)', () => {
    const tuning = { workers: 300, concurrency: 64, measuredAt: 'x', source: '/t/tuning.json' };
    expect(() => resolveConfig({}, { tuning })).toThrowError(/^tuned defaults '\/t\/tuning\.json' are damaged \(delete the file or run npm run bench -- --save\): \/workers must be <= 256/);
    expect(() => resolveConfig({}, { tuning: { ...tuning, workers: 2, concurrency: 2_000_000 } })).toThrowError(/\/concurrency must be <= 1000000/);
  });

  it('a scan on the calling thread names only the tuned window it took, not workers it never starts (the note said --workers 2 beside "no worker threads")', () => {
    const tuning = { workers: 2, concurrency: 300, measuredAt: '2026-11-24T00:00:00Z', cores: 2, source: '/t/tuning.json' };
    expect(resolveConfig({ targets: ['127.0.0.1'] }, { tuning, cores: 2, fdLimit: 20000, mainThread: true }).notes).toEqual(['defaults from /t/tuning.json: --concurrency 300 (measured 2026-11-24T00:00:00Z)']);
    expect(resolveConfig({ targets: ['127.0.0.1'] }, { tuning, cores: 2, fdLimit: 20000 }).notes).toEqual(['defaults from /t/tuning.json: --workers 2 --concurrency 300 (measured 2026-11-24T00:00:00Z)']);
  });

  it('uses saved tuning as defaults, says where they came from, and lets flags win', () => {
    const dir = scratchDir();
    process.env.SHARDSCAN_CONFIG_DIR = dir;
    const path = saveTuning({ workers: 1, concurrency: 300, measuredAt: '2026-11-24T00:00:00Z' });
    expect(path).toBe(join(dir, 'tuning.json'));
    const tuned = resolveConfig({ targets: ['127.0.0.1'] }, { cores: 2, fdLimit: 20000 });
    expect(tuned.config).toMatchObject({ workers: 1, concurrency: 300 });
    expect(tuned.notes[0]).toMatch(new RegExp(`defaults from ${path.replace(/[.]/g, '\\.')}: --workers 1 --concurrency 300`));
    const flags = resolveConfig({ targets: ['127.0.0.1'], workers: 2, concurrency: 64 }, { cores: 2, fdLimit: 20000 });
    expect(flags.config).toMatchObject({ workers: 2, concurrency: 64 });
    expect(flags.notes.filter((n) => n.startsWith('defaults from'))).toEqual([]);
    // The note names only what it supplied: it said "--workers 1 --concurrency 300" over a given --workers.
    const oneFlag = resolveConfig({ targets: ['127.0.0.1'], concurrency: 64 }, { cores: 2, fdLimit: 20000 });
    expect(oneFlag.notes.filter((n) => n.startsWith('defaults from')).map((n) => n.replace(/^.*: /, ''))).toEqual(['--workers 1 (measured 2026-11-24T00:00:00Z)']);
    expect(loadTuning()).toMatchObject({ workers: 1, concurrency: 300 });
  });

  it('a tuning file of null or an array is damaged, in one line (null was a TypeError); a BOM is taken; measuredAt is a date or unknown', () => {
    const dir = scratchDir();
    const file = join(dir, 'tuning.json');
    for (const text of ['null', '[]', '"x"']) {
      writeFileSync(file, text);
      expect(() => loadTuning(file)).toThrowError(/^tuned defaults '.*tuning\.json' are damaged \(not a JSON object\); delete the file or run npm run bench -- --save$/);
    }
    writeFileSync(file, `\uFEFF${JSON.stringify({ workers: 1, concurrency: 64, measuredAt: '2026-11-24T00:00:00Z' })}`);
    expect(loadTuning(file)).toMatchObject({ workers: 1, concurrency: 64, measuredAt: '2026-11-24T00:00:00Z' });
    writeFileSync(file, JSON.stringify({ workers: 1, concurrency: 64, measuredAt: '2026\n\u001b[31mred' }));
    expect(loadTuning(file)!.measuredAt).toBe('unknown');
 
    // A setting added by hand was ignored in silence; a --config file names an unknown key, and so does this now.
    writeFileSync(file, JSON.stringify({ workers: 1, concurrency: 64, timeoutMs: 300 }));
    expect(() => loadTuning(file)).toThrowError(/^tuned defaults '.*tuning\.json' are damaged \(unknown key 'timeoutMs': it holds workers, concurrency, measuredAt, cores; other settings go in a --config file\); delete the file or run npm run bench -- --save$/);
  });

  it('saved tuning keeps the cores it was measured on, and a copy on another machine is named as such (64 workers on 2 cores ran 4× slower, with no word)', () => {
    const dir = scratchDir();
    const path = saveTuning({ workers: 2, concurrency: 300, measuredAt: '2026-11-24T00:00:00Z' }, join(dir, 'tuning.json'));
    const saved = loadTuning(path)!;
    expect(saved.cores).toBe(cores());
    const here = resolveConfig({ targets: ['127.0.0.1'] }, { tuning: saved, cores: saved.cores!, fdLimit: 20000 });
    expect(here.notes.find((n) => n.startsWith('defaults from'))).toBe(`defaults from ${path}: --workers 2 --concurrency 300 (measured 2026-11-24T00:00:00Z)`);
    const there = resolveConfig({ targets: ['127.0.0.1'] }, { tuning: { ...saved, workers: 64, cores: 64 }, cores: 2, fdLimit: 20000 });
    expect(there.notes.find((n) => n.startsWith('defaults from'))).toBe(`defaults from ${path}: --workers 64 --concurrency 300 (measured 2026-11-24T00:00:00Z, on a machine with 64 cores where this one has 2: run npm run bench -- --save here)`);
    // A file saved before the cores were kept says nothing of them.
    writeFileSync(path, JSON.stringify({ workers: 2, concurrency: 300, measuredAt: '2026-11-24T00:00:00Z' }));
    expect(loadTuning(path)!.cores).toBeUndefined();
  });

  it('a tuned window left out for another worker count is said (-w 4 over a tuning of 2 × 500 ran ~15,900 in flight with no word)', () => {
    const tuning = { workers: 2, concurrency: 500, measuredAt: 'x', source: '/t/tuning.json' };
    const other = resolveConfig({ targets: ['127.0.0.1'], workers: 4 }, { tuning, cores: 2, fdLimit: 20000 });
    expect(other.config.concurrency).not.toBe(500);
    expect(other.notes).toContain('the tuned --concurrency 500 (/t/tuning.json) was measured with 2 workers, not 4: the default window is used; give --concurrency 500 to keep it');
    // The same worker count takes it; a --concurrency given replaces it: nothing to say.
    expect(resolveConfig({ targets: ['127.0.0.1'], workers: 2 }, { tuning, cores: 2, fdLimit: 20000 }).notes.join('\n')).not.toMatch(/was measured with/);
    expect(resolveConfig({ targets: ['127.0.0.1'], workers: 4, concurrency: 64 }, { tuning, cores: 2, fdLimit: 20000 }).notes.join('\n')).not.toMatch(/was measured with/);
  });

  it('a tuned concurrency too wide for ulimit -n is named as the tuned one (the note said "--concurrency 900000", never given)', () => {
    const tuning = { workers: 2, concurrency: 900_000, measuredAt: 'x', source: '/t/tuning.json' };
    expect(resolveConfig({ targets: ['127.0.0.1'] }, { tuning, cores: 2, fdLimit: 1024 }).notes.some((n) => n.startsWith('the tuned concurrency 900000 does not fit the file-descriptor limit (ulimit -n 1024)'))).toBe(true);
    expect(resolveConfig({ targets: ['127.0.0.1'], concurrency: 900_000 }, { tuning: null, cores: 2, fdLimit: 1024 }).notes.some((n) => n.startsWith('--concurrency 900000 does not fit'))).toBe(true);
  });

  it('a config file saved as UTF-16 is named so, as a list is (it was "not valid JSON: Unexpected token")', async () => {
    const { loadConfigFile } = await import('../src/config/index.js');
    const dir = scratchDir();
    const json = '{"ports": "22"}';
    writeFileSync(join(dir, 'le.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    writeFileSync(join(dir, 'bare.json'), Buffer.from(json, 'utf16le'));
    expect(() => loadConfigFile(join(dir, 'le.json'))).toThrow(`config file '${join(dir, 'le.json')}' is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8`);
    expect(() => loadConfigFile(join(dir, 'bare.json'))).toThrow(`config file '${join(dir, 'bare.json')}' is UTF-16 (NUL bytes between its characters)`);
    // The saved tuning too (helper 17: "damaged (Unexpected token '\ufffd')").
    const tuning = join(dir, 'tuning.json');
    writeFileSync(tuning, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"workers": 2, "concurrency": 100}', 'utf16le')]));
    expect(() => loadTuning(tuning)).toThrow(`tuned defaults '${tuning}' are UTF-16 (it starts with a UTF-16 byte-order mark); save the file as UTF-8 (iconv -f UTF-16 -t UTF-8), delete it, or run npm run bench -- --save`);
  });

  it('a tuning file is read with the cap a --config file has (a 3 GB one took 36 s and 4.25 GB before it was refused)', () => {
    const path = join(scratchDir(), 'tuning.json');
    writeFileSync(path, '');
    truncateSync(path, 17 << 20);
    expect(() => loadTuning(path)).toThrow(`cannot read tuned defaults '${path}': EFBIG: larger than 16 MiB`);
  });

  it('a config file\'s port settings are refused in its own words (it was "bad --top-ports \'5000\' … Example: --top-ports 100")', () => {
    const config = join(scratchDir(), 'ports.json');
    const refused = (values: object, flags: object = {}): string => refusal(config, values, flags);
    expect(refused({ topPorts: 5000 })).toBe(`config file '${config}': "topPorts" '5000': give a whole number from 1 to 1000`);
    expect(refused({ ports: '22,1-70000' })).toBe(`config file '${config}': "ports" '22,1-70000' at '1-70000': ports are 1-65535`);
    expect(refused({ excludePorts: 'nosuchservice' })).toBe(`config file '${config}': "excludePorts" 'nosuchservice' at 'nosuchservice': no service of that name in the built-in list (data/tcp-ports.tsv); give its port number`);
    // A flag that replaces the file's ports takes their place, as before; --exclude-ports adds to its list, so that is still checked.
    expect(refused({ ports: '1-70000', topPorts: 5000 }, { ports: '22' })).toBe('');
    expect(refused({ topPorts: 5000 }, { topPorts: '10' })).toBe('');
    expect(refused({ excludePorts: 'nosuchservice' }, { ports: '22' })).toMatch(/"excludePorts" 'nosuchservice'/);
    // What only the combination refuses is the scan's own check.
    expect(refused({ ports: '22', topPorts: 10 })).toBe('');
    expect(refused({ ports: '22', excludePorts: '22' })).toBe('');
  });

  it('a config file\'s bad "targets" or "exclude" entry is refused naming the file (it was "bad target \'127.0.0.010\'" alone)', () => {
    const config = join(scratchDir(), 'targets.json');
    const refused = (values: object, flags: object = {}): string => refusal(config, values, flags);
    expect(refused({ targets: ['127.0.0.1', '127.0.0.2 127.0.0.010'] })).toMatch(new RegExp(`^config file '${config}': "targets": bad target '127\\.0\\.0\\.010': an octet with a leading zero`));
    expect(refused({ targets: ['127.0.0.1'], exclude: ['bogus..x'] })).toMatch(new RegExp(`^config file '${config}': "exclude": bad exclusion 'bogus\\.\\.x': not an address`));
    // An exclusion may be any IPv6 network, a target only what a scan may walk: each held to its own rule.
    expect(refused({ targets: ['::/64'] })).toMatch(/"targets": IPv6 network '::\/64' is too large/);
    expect(refused({ targets: ['127.0.0.1', 'localhost'], exclude: ['::/0'] })).toBe('');
    // Targets on the command line take the file's place, so its unused list is not refused; its exclusions still apply.
    expect(refused({ targets: ['127.0.0.010'] }, { targets: ['127.0.0.1'] })).toBe('');
    expect(refused({ exclude: ['127.0.0.010'] }, { targets: ['127.0.0.1'] })).toMatch(/"exclude": bad exclusion '127\.0\.0\.010'/);
  });

  it('--exclude-ports adds to a config file\'s list with one comma; an empty one is refused, as is an empty list in the file', () => {
    const config = join(scratchDir(), 'ex.json');
    const withFile = (values: object, flag: string): string | null | undefined => {
      writeFileSync(config, JSON.stringify(values));
      return flagsToConfig({ config, excludePorts: flag }).excludePorts;
    };
    // The file's trailing comma (one is allowed) and the flag's list: "22,,80" was refused, naming the flag.
    const joined = withFile({ excludePorts: '22,' }, '80');
    expect(joined).toBe('22,80');
    expect([...buildPorts({ ports: '20-81', excludePorts: joined! }).ports]).not.toContain(80);
    // '' from an unset shell variable: "22" and '' made "22,", which passed; alone it is refused.
    expect(() => buildPorts({ ports: '1-100', excludePorts: withFile({ excludePorts: '22' }, '') ?? undefined })).toThrow("bad --exclude-ports '' at '': empty");
    writeFileSync(config, JSON.stringify({ excludePorts: '' }));
    expect(() => flagsToConfig({ config, excludePorts: '80' })).toThrow(`config file '${config}': "excludePorts" is empty; give ports to leave out, e.g. "22,80,1000-2000", or null for none`);
    writeFileSync(config, JSON.stringify({ ports: ' ' }));
    expect(() => flagsToConfig({ config })).toThrow(`config file '${config}': "ports" is empty; give ports, e.g. "22,80,1000-2000", or null for the default`);
  });

  it('--no-yes and --no-open lift a config file\'s "yes" and "openHostsOnly" (they were taken and dropped)', () => {
    const config = join(scratchDir(), 'shared.json');
    writeFileSync(config, JSON.stringify({ yes: true, openHostsOnly: true, states: ['open'], banners: true }));
    expect(flagsToConfig({ config })).toMatchObject({ yes: true, openHostsOnly: true, banners: true });
    expect(flagsToConfig({ config, yes: false, open: false, banners: false })).toMatchObject({ yes: false, openHostsOnly: false, banners: false, states: ['open'] });
  });

  it('a damaged tuning file refuses a scan that would take a value from it, and not one whose flags set both', () => {
    const dir = scratchDir();
    process.env.SHARDSCAN_CONFIG_DIR = dir;
    writeFileSync(join(dir, 'tuning.json'), '{broken');
    const damaged = /^tuned defaults '.*tuning\.json' are damaged \(.*\); delete the file or run npm run bench -- --save$/;
    expect(() => resolveConfig({ targets: ['127.0.0.1'] }, { cores: 2, fdLimit: 20000 })).toThrowError(damaged);
    expect(() => resolveConfig({ targets: ['127.0.0.1'], workers: 2 }, { cores: 2, fdLimit: 20000 })).toThrowError(damaged);
    expect(() => resolveConfig({ targets: ['127.0.0.1'], concurrency: 64 }, { cores: 2, fdLimit: 20000 })).toThrowError(damaged);
    const both = resolveConfig({ targets: ['127.0.0.1'], workers: 2, concurrency: 64 }, { cores: 2, fdLimit: 20000 });
    expect(both.config).toMatchObject({ workers: 2, concurrency: 64 });
    expect(both.notes.filter((n) => n.startsWith('defaults from'))).toEqual([]);
  });

  it('the CLI prints where its defaults came from', async () => {
    const cwd = scratchDir();
    process.env.SHARDSCAN_CONFIG_DIR = join(cwd, '.config');
    saveTuning({ workers: 1, concurrency: 128, measuredAt: '2026-11-24T00:00:00Z' });
    const r = await runCli(['127.0.0.1', '-p', '1-10', '--no-out-dir'], { cwd });
    expect(r.code).toBe(0);
    // The tuned window only: the scan starts no worker threads (it said --workers 1 beside "no worker threads").
    expect(r.stderr).toMatch(/shardscan: defaults from .*tuning\.json: --concurrency 128 \(/);
    expect(r.stderr).toMatch(/no worker threads \(a small scan runs on the main thread\), up to 128 in flight/);
  });
});

describe('the config directory (where --save puts tuning.json)', () => {
  // A relative XDG_CONFIG_HOME made `npm run bench -- --save` write into the package root, where no scan run elsewhere found it.
  it('is SHARDSCAN_CONFIG_DIR, else $XDG_CONFIG_HOME/shardscan (absolute only), else ~/.config/shardscan', () => {
    expect(configDir({ SHARDSCAN_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x' })).toBe('/c');
    expect(configDir({ XDG_CONFIG_HOME: '/x' })).toBe('/x/shardscan');
    expect(configDir({ XDG_CONFIG_HOME: 'relcfg' })).toMatch(/\/\.config\/shardscan$/);
    expect(configDir({})).toMatch(/\/\.config\/shardscan$/);
  });
});

describe('a config file\'s "resolved" names', () => {
  // Scanned at the address the file gives, not looked up: an audit's config pinned localhost to 127.0.0.9 with no word.
  it('are said in a note, with the address each is taken as', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'res.json'), JSON.stringify({ targets: ['localhost'], ports: '1-3', resolved: { localhost: '127.0.0.9' }, states: ['open', 'closed'] }));
    const r = await runCli(['--config', 'res.json', '--no-out-dir', '-f', 'ndjson'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('shardscan: names taken from the config file\'s "resolved", not looked up: localhost as 127.0.0.9 (leave "resolved" out to look them up now)\n');
    expect(new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { host: string }).host))).toEqual(new Set(['127.0.0.9']));
    // Without it, nothing is said.
    writeFileSync(join(cwd, 'plain.json'), JSON.stringify({ targets: ['127.0.0.1'], ports: '1' }));
    expect((await runCli(['--config', 'plain.json', '--no-out-dir'], { cwd })).stderr).not.toMatch(/not looked up/);
  });

  // Helper 17: the note listed every name of "resolved", those no target named too, and an exclusion's by its key.
  it('the note names only those the targets and exclusions use, an exclusion as one', async () => {
    const cwd = scratchDir();
    const resolved = { 'a.test': '127.0.0.1', 'b.test': '127.0.0.2', 'exclude:c.test': '127.0.0.3' };
    writeFileSync(join(cwd, 'res.json'), JSON.stringify({ targets: ['a.test'], exclude: ['c.test'], ports: '1', resolved }));
    const r = await runCli(['--config', 'res.json', '--no-out-dir'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('shardscan: names taken from the config file\'s "resolved", not looked up: a.test as 127.0.0.1, c.test (excluded) as 127.0.0.3 (leave "resolved" out to look them up now)\n');
    // None of them used: no note.
    writeFileSync(join(cwd, 'unused.json'), JSON.stringify({ targets: ['127.0.0.1'], ports: '1', resolved }));
    expect((await runCli(['--config', 'unused.json', '--no-out-dir'], { cwd })).stderr).not.toMatch(/not looked up/);
  });
});
