/**
 * Several reports of one scan (nmap -oA BASE, -oX FILE -oG FILE, -f json with
 * -oX FILE): nmap writes every report it is given. shardscan refused all but
 * one, and -oA outright; these check each file is the whole report of the
 * same records, through a scan, a resume and a merge.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, closedPorts, openPorts } from './fixtures/net.js';
import { CLI, ndjson, runCli, scratchDir } from './helpers/cli.js';

let open: Fixture;
let closed: number[];
let portList: string;

beforeAll(async () => {
  open = await openPorts(3);
  closed = await closedPorts(5, '127.0.0.1', open.ports);
  portList = [...open.ports, ...closed].join(',');
});
afterAll(async () => {
  await open.close();
});

/** The open ports each report format lists. */
const openIn = {
  text: (t: string): number[] => [...t.matchAll(/^(\d+)\/tcp\s+open\b/gm)].map((m) => Number(m[1])).sort((a, b) => a - b),
  xml: (t: string): number[] => [...t.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="open"/g)].map((m) => Number(m[1])).sort((a, b) => a - b),
  grep: (t: string): number[] => [...t.matchAll(/(\d+)\/open\/tcp/g)].map((m) => Number(m[1])).sort((a, b) => a - b),
};
const sorted = (ports: readonly number[]): number[] => [...ports].sort((a, b) => a - b);

describe('several reports of one scan', () => {
  it('-oA BASE writes BASE.nmap, BASE.xml and BASE.gnmap, each with every open port', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-oA', 'scans/base', '--no-out-dir', '-q'], { cwd, prefix: 'mkdir -p scans &&' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(join(cwd, 'scans/base.nmap'), 'utf8');
    const xml = readFileSync(join(cwd, 'scans/base.xml'), 'utf8');
    const grep = readFileSync(join(cwd, 'scans/base.gnmap'), 'utf8');
    expect(openIn.text(text)).toEqual(sorted(open.ports));
    expect(openIn.xml(xml)).toEqual(sorted(open.ports));
    expect(openIn.grep(grep)).toEqual(sorted(open.ports));
    // Each file is a whole report: its own header and its own end.
    expect(text).toMatch(/^shardscan \S+ scan report/);
    expect(xml).toMatch(/<\/nmaprun>\n$/);
    expect(grep).toMatch(/# shardscan done at .*\n$/);
  });

  it('-f ndjson on stdout and -oX FILE -oG FILE: three reports of the same records', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-f', 'ndjson', '--states', 'all', '-oX', 'a.xml', '-oG', 'a.gnmap', '--no-out-dir', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const records = ndjson(r.stdout);
    expect(records).toHaveLength(open.ports.length + closed.length);
    expect(sorted(records.filter((x) => x.state === 'open').map((x) => Number(x.port)))).toEqual(sorted(open.ports));
    const xml = readFileSync(join(cwd, 'a.xml'), 'utf8');
    expect(openIn.xml(xml)).toEqual(sorted(open.ports));
    // --states all: the closed ports are in the xml report too, as ports, not as a count.
    expect(xml.match(/<state state="closed"/g)).toHaveLength(closed.length);
    expect(openIn.grep(readFileSync(join(cwd, 'a.gnmap'), 'utf8'))).toEqual(sorted(open.ports));
  });

  it('-oN FILE with -f xml: xml on stdout, text in FILE (the -oN file got XML)', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-oN', 'r.txt', '-f', 'xml', '--no-out-dir', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(openIn.xml(r.stdout)).toEqual(sorted(open.ports));
    const text = readFileSync(join(cwd, 'r.txt'), 'utf8');
    expect(text).not.toMatch(/<nmaprun/);
    expect(openIn.text(text)).toEqual(sorted(open.ports));
  });

  it('-oX - puts that report on stdout and the others in their files', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-oG', 'g.gnmap', '-oX', '-', '--no-out-dir', '-q'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(openIn.xml(r.stdout)).toEqual(sorted(open.ports));
    expect(openIn.grep(readFileSync(join(cwd, 'g.gnmap'), 'utf8'))).toEqual(sorted(open.ports));
  });

  it('a report to standard output that cannot be written is named so, beside the files that were (it said only "the report")', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-f', 'ndjson', '-oX', 'r.xml', '--no-out-dir', '-q'], { cwd, prefix: 'exec >/dev/full;' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^shardscan: error: cannot write the report to standard output: ENOSPC$/m);
    expect(openIn.xml(readFileSync(join(cwd, 'r.xml'), 'utf8'))).toEqual(sorted(open.ports));
    // With a shard directory, which holds every record: the merge that writes that report to a file (a file's refusal said it, stdout's did not).
    const kept = await runCli(['127.0.0.1', '-p', portList, '-f', 'ndjson', '-oX', 'r2.xml', '--out-dir', 'sd', '-q'], { cwd, prefix: 'exec >/dev/full;' });
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(/^shardscan: error: cannot write the report to standard output: ENOSPC; the shard directory keeps its records: shardscan merge sd -f ndjson -o FILE$/m);
    const merged = await runCli(['merge', 'sd', '-f', 'ndjson', '-o', 'again.ndjson'], { cwd });
    expect(merged.code, merged.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'again.ndjson'), 'utf8').split('\n').filter((l) => l.includes('"open"')).length).toBe(open.ports.length);
  });

  it('when no report can be written, the scan stops, names the file, and leaves the shard directory resumable', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-oX', '/dev/full', '-oG', '/dev/full', '--states', 'all', '--out-dir', 'sd'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^shardscan: error: cannot write the report to \/dev\/full: ENOSPC$/m);
    // Not a complete scan: resumable, and its manifest says why it stopped.
    const manifest = JSON.parse(readFileSync(join(cwd, 'sd', 'manifest.json'), 'utf8')) as { status: string; stopReason: string };
    expect(manifest.status).not.toBe('complete');
    expect(manifest.stopReason).toBe('error');
  });

  it('a resume writes every report of the first run again, whole; merge -oA writes all three', async () => {
    const cwd = scratchDir();
    // --rate and --max-time stop the first run part-way (about 50 of its 208 probes).
    // Closed ports outside the ephemeral range: 40000-40199 lay inside it, and another test's listener there (40079) was "open".
    const more = await closedPorts(200, '127.0.0.1', [...open.ports, ...closed]);
    const ports = [...closed, ...more, ...open.ports];
    const first = await runCli(['127.0.0.1', '-p', ports.join(','), '--rate', '100', '--max-time', '0.5', '-oA', 'base', '--out-dir', 'sd', '-q'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/stopped at --max-time/);
    const manifest = JSON.parse(readFileSync(join(cwd, 'sd', 'manifest.json'), 'utf8')) as { config: { extraReports: { format: string; output: string }[] } };
    expect(manifest.config.extraReports.map((x) => [x.format, x.output])).toEqual([
      ['xml', join(cwd, 'base.xml')],
      ['grep', join(cwd, 'base.gnmap')],
    ]);
    // Gone before the resume: only the resume can write them again.
    for (const ext of ['nmap', 'xml', 'gnmap']) rmSync(join(cwd, `base.${ext}`));
    // --no-max-time: the first run's 0.5 s, counted from the resume's start, could stop it on a loaded machine.
    const again = await runCli(['resume', 'sd', '--rate', '0', '--no-max-time', '-q'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(openIn.text(readFileSync(join(cwd, 'base.nmap'), 'utf8'))).toEqual(sorted(open.ports));
    expect(openIn.xml(readFileSync(join(cwd, 'base.xml'), 'utf8'))).toEqual(sorted(open.ports));
    expect(openIn.grep(readFileSync(join(cwd, 'base.gnmap'), 'utf8'))).toEqual(sorted(open.ports));

    const merged = await runCli(['merge', 'sd', '-oA', 'm'], { cwd });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe('');
    expect(openIn.text(readFileSync(join(cwd, 'm.nmap'), 'utf8'))).toEqual(sorted(open.ports));
    expect(openIn.xml(readFileSync(join(cwd, 'm.xml'), 'utf8'))).toEqual(sorted(open.ports));
    expect(openIn.grep(readFileSync(join(cwd, 'm.gnmap'), 'utf8'))).toEqual(sorted(open.ports));
    expect(existsSync(join(cwd, 'm'))).toBe(false);
  });

  it('a reader of stdout that goes away (| head) stops nothing: the file reports are written whole, exit 0', async () => {
    const cwd = scratchDir();
    const args = ['127.0.0.1', '-p', portList, '--states', 'all', '-f', 'ndjson', '-oX', 'a.xml', '-oG', 'a.gnmap', '--no-out-dir', '-q', '--rate', '50'];
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `${quoted} | head -n 1 >/dev/null; exit \${PIPESTATUS[0]}`], { cwd, env: { ...process.env, SHARDSCAN_STATE_DIR: join(cwd, '.state') }, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const xml = readFileSync(join(cwd, 'a.xml'), 'utf8');
    expect(xml).toMatch(/<\/nmaprun>\n$/);
    expect(xml.match(/<port protocol="tcp"/g)).toHaveLength(open.ports.length + closed.length);
    expect(openIn.grep(readFileSync(join(cwd, 'a.gnmap'), 'utf8'))).toEqual(sorted(open.ports));
  });

  it('one report that cannot be written (a full disk) leaves the others whole; the run ends 1 and names it', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', portList, '-oG', '/dev/full', '-oX', 'ok.xml', '--no-out-dir', '-q'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^shardscan: error: cannot write the report to \/dev\/full: ENOSPC$/m);
    const xml = readFileSync(join(cwd, 'ok.xml'), 'utf8');
    expect(xml).toMatch(/<\/nmaprun>\n$/);
    expect(openIn.xml(xml)).toEqual(sorted(open.ports));
  });

  // Each report named as typed (-oX, -oA keep's xml report): they said --output, the xml report (audit N4).
  it.each([
    [['-oA', 'keep', '--out-dir', '/proc/nope'], /cannot create --out-dir '\/proc\/nope'/],
    [['-oA', 'keep', '-oG', 'nodir/x.gnmap'], /cannot open -oG 'nodir\/x\.gnmap': ENOENT/],
    [['-oN', 'keep.nmap', '-oX', 'adir'], /cannot open -oX 'adir': EISDIR/],
    [['-oA', 'keep', '--out-dir', 'keep.xml'], /-oA keep's xml report and --out-dir name the same file 'keep\.xml'/],
    [['-oX', 'fifo'], /cannot open -oX 'fifo': a FIFO with no reader; start its reader first/],
  ])('a refused command (%j) leaves existing reports as they were', async (args, message) => {
    const cwd = scratchDir();
    for (const ext of ['nmap', 'xml', 'gnmap']) writeFileSync(join(cwd, `keep.${ext}`), 'precious\n');
    mkdirSync(join(cwd, 'adir'));
    spawnSync('mkfifo', [join(cwd, 'fifo')]);
    const r = await runCli(['127.0.0.1', '-p', '1', ...args, ...(args.includes('--out-dir') ? [] : ['--no-out-dir'])], { cwd, killAfterMs: 10_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    for (const ext of ['nmap', 'xml', 'gnmap']) expect(readFileSync(join(cwd, `keep.${ext}`), 'utf8')).toBe('precious\n');
    // Nothing new either: no report, no directory (nodir), nothing in adir (the helper's own dot-directories aside).
    expect(readdirSync(cwd).filter((f) => !f.startsWith('.')).sort()).toEqual(['adir', 'fifo', 'keep.gnmap', 'keep.nmap', 'keep.xml']);
    expect(readdirSync(join(cwd, 'adir'))).toEqual([]);
  });

  it('a report and --summary-json into FIFOs with readers reach them (the reader got EOF, and the scan waited for ever)', async () => {
    const cwd = scratchDir();
    spawnSync('mkfifo', [join(cwd, 'rep'), join(cwd, 'sum')]);
    // Readers that read once, as `cat p > got` does: a writer that opens and closes ends them.
    const readers = spawn('bash', ['-c', 'cat rep > rep.got & cat sum > sum.got & wait'], { cwd });
    const done = new Promise((r) => readers.on('exit', r));
    // The readers must be in their open() before the scan checks the FIFOs, and under a loaded suite `cat` took
    // more than a fixed 200 ms to get there (the scan then refused, rightly: "a FIFO with no reader"). That refusal
    // opens nothing a reader could see, so the scan is run again until both readers are there, 10 s at most.
    const args = ['127.0.0.1', '-p', portList, '--states', 'all', '-f', 'ndjson', '-o', 'rep', '--summary-json', 'sum', '--no-out-dir', '-q'];
    let r = await runCli(args, { cwd, killAfterMs: 20_000 });
    for (let tries = 1; tries < 50 && r.code === 2 && /a FIFO with no reader/.test(r.stderr); tries++) {
      await new Promise((res) => setTimeout(res, 200));
      r = await runCli(args, { cwd, killAfterMs: 20_000 });
    }
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    await done;
    expect(ndjson(readFileSync(join(cwd, 'rep.got'), 'utf8'))).toHaveLength(open.ports.length + closed.length);
    expect(JSON.parse(readFileSync(join(cwd, 'sum.got'), 'utf8'))).toMatchObject({ status: 'complete' });
  });

  it('merge puts its reports in place only when all were written', async () => {
    const cwd = scratchDir();
    expect((await runCli(['127.0.0.1', '-p', portList, '--out-dir', 'sd', '-q', '-o', '/dev/null'], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, 'm.xml'), 'precious\n');
    const r = await runCli(['merge', 'sd', '-oX', 'm.xml', '-oG', '/dev/full'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write the report to '?\/dev\/full'?: ENOSPC/);
    expect(readFileSync(join(cwd, 'm.xml'), 'utf8')).toBe('precious\n');
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

