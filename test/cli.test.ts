/**
 * The CLI end to end, through a child process: every output format, the shard
 * directory, exit codes and one-line errors, Ctrl+C, and a tight ulimit -n.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeArgv } from '../src/cli/options.js';
import { validator } from '../src/schemas.js';
import { type Fixture, blackholePorts, closedPorts, openPorts, peerListener } from './fixtures/net.js';
import { isolated } from './helpers/blackhole.js';
import { netnsUnavailable } from './helpers/netns.js';
import { CLI, ndjson, runCli, scratchDir } from './helpers/cli.js';
import { checkpointIn, recordsIn, signalWhen, stateScanDir, whenRunning } from './helpers/wait.js';

// Root and iproute2 for the cases that resolve a name or must not reach the network; skipped only when asked to.
const noNamespaces = netnsUnavailable() !== null && process.env.SHARDSCAN_SKIP_ROOT_TESTS === '1';
if (netnsUnavailable() !== null && !noNamespaces) throw new Error(`cli.test.ts needs network namespaces: ${netnsUnavailable()}; run as root, or set SHARDSCAN_SKIP_ROOT_TESTS=1`);

let open: Fixture;
let filtered: Fixture;
let closed: number[];
let portList: string;

beforeAll(async () => {
  open = await openPorts(3);
  filtered = await blackholePorts(2);
  closed = await closedPorts(10, '127.0.0.1', [...open.ports, ...filtered.ports]);
  portList = [...open.ports, ...closed, ...filtered.ports].join(',');
});

afterAll(async () => {
  await open?.close();
  await filtered?.close();
});

const sorted = (ports: number[]): number[] => [...ports].sort((a, b) => a - b);

describe('output formats', () => {
  it('ndjson: one schema-valid record per line, every state', async () => {
    const r = await runCli(['127.0.0.1', '-p', portList, '--format', 'ndjson', '--states', 'all', '--timeout', '300', '--retries', '0', '-q', '--no-out-dir']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const records = ndjson(r.stdout);
    const validate = validator('record');
    for (const rec of records) expect(validate(rec), JSON.stringify(validate.errors)).toBe(true);
    const ports = (state: string) => sorted(records.filter((x) => x.state === state).map((x) => x.port as number));
    expect(ports('open')).toEqual(sorted(open.ports));
    expect(ports('closed')).toEqual(sorted(closed));
    expect(ports('filtered')).toEqual(sorted(filtered.ports));
  });

  it('json: one valid document with the scan, the records and the summary', async () => {
    const r = await runCli(['127.0.0.1', '-p', portList, '-f', 'json', '--timeout', '300', '-q', '--no-out-dir']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { scan: { hosts: number }; records: { port: number }[]; summary: { status: string; counts: Record<string, number> } };
    expect(doc.scan.hosts).toBe(1);
    expect(sorted(doc.records.map((x) => x.port))).toEqual(sorted(open.ports));
    expect(doc.summary).toMatchObject({ status: 'complete', counts: { open: 3, closed: 10, filtered: 2, error: 0 } });
  });

  it('csv: a header and one row per record', async () => {
    const r = await runCli(['127.0.0.1', '-p', portList, '-f', 'csv', '--states', 'open,closed', '--timeout', '300', '-q', '--no-out-dir']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('host,port,state,service,reason,rtt_ms,ts');
    expect(lines).toHaveLength(1 + 3 + 10);
    const row = lines.find((l) => l.startsWith(`127.0.0.1,${open.ports[0]},`))!;
    expect(row).toMatch(/^127\.0\.0\.1,\d+,open,[\w-]+,syn-ack,[\d.]+,\d{4}-\d\d-\d\dT/);
  });

  it('grep: nmap -oG lines', async () => {
    const r = await runCli(['127.0.0.1', '-p', portList, '-f', 'grep', '--timeout', '300', '-q', '--no-out-dir']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Host: 127.0.0.1 ()\tStatus: Up\n');
    const host = r.stdout.split('\n').find((l) => l.startsWith('Host: 127.0.0.1 ()\tPorts: '))!;
    for (const p of open.ports) expect(host).toContain(`${p}/open/tcp//`);
    // Two states hidden (closed 10, filtered 2): no Ignored State, as nmap writes only one (it was "closed (10), filtered (2)").
    expect(host).not.toContain('Ignored State');
    const closedOnly = await runCli(['127.0.0.1', '-p', portList, '-f', 'grep', '--states', 'open,filtered', '--timeout', '300', '-q', '--no-out-dir']);
    expect(closedOnly.stdout.split('\n').find((l) => l.startsWith('Host: 127.0.0.1 ()\tPorts: '))).toMatch(/\tIgnored State: closed \(10\)$/);
    expect(r.stdout).toMatch(/^# shardscan .* scan initiated/);
  });

  it('text: an nmap-like table per host, a Not shown line, and a summary on stderr', async () => {
    const r = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '--no-out-dir']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nmap scan report for 127.0.0.1');
    expect(r.stdout).toContain('Not shown: 10 closed, 2 filtered');
    expect(r.stdout).toMatch(/PORT\s+STATE\s+SERVICE\s+REASON\s+RTT/);
    for (const p of open.ports) expect(r.stdout).toMatch(new RegExp(`^${p}/tcp\\s+open\\s+\\S+\\s+syn-ack\\s+[\\d.]+ms$`, 'm'));
    expect(r.stderr).toMatch(/shardscan done: 15\/15 probes \(1 host × 15 ports\)/);
    expect(r.stderr).toMatch(/open 3, closed 10, filtered 2, error 0/);
    expect(r.stderr).toMatch(/seed \d+ \(random order\)/);
  });

  it('-o writes the report to a file', async () => {
    const dir = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', open.ports.join(','), '-f', 'ndjson', '-o', join(dir, 'out.ndjson'), '-q', '--no-out-dir']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(ndjson(readFileSync(join(dir, 'out.ndjson'), 'utf8'))).toHaveLength(3);
  });
});

describe('shard directory', () => {
  it('is written under <state dir>/<scan-id> by default, and matches the schemas', async () => {
    const cwd = scratchDir();
    // runCli points SHARDSCAN_STATE_DIR at <cwd>/.state.
    const r = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '--seed', '77', '-q'], { cwd });
    expect(r.code).toBe(0);
    const dirs = readdirSync(join(cwd, '.state'));
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toMatch(/^\d{8}T\d{6}Z-[0-9a-z]+-[0-9a-z]{4}$/);
    const dir = join(cwd, '.state', dirs[0]!);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const checkpoint = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Record<string, unknown>;
    expect(validator('manifest')(manifest), JSON.stringify(validator('manifest').errors)).toBe(true);
    expect(validator('checkpoint')(checkpoint), JSON.stringify(validator('checkpoint').errors)).toBe(true);
    expect(manifest).toMatchObject({ status: 'complete', seed: 77, counts: { open: 3, closed: 10, filtered: 2, error: 0 }, recordCount: 3 });
    const records = ndjson(readFileSync(join(dir, 'shard-1-of-1.ndjson'), 'utf8'));
    expect(sorted(records.map((x) => x.port as number))).toEqual(sorted(open.ports));
  });
});

describe('"-" for stdin and stdout (-iL -, --exclude-file -, -o -)', () => {
  it('scans them, and keeps them in the manifest so a resume does not read stdin again', async () => {
    const cwd = scratchDir();
    const r = await runCli(['-iL', '-', '-p', portList, '--timeout', '300', '-f', 'ndjson', '-q'], { cwd, onSpawn: (child) => child.stdin?.end('# from a pipe\n127.0.0.1\n') });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sorted(ndjson(r.stdout).map((x) => x.port as number))).toEqual(sorted(open.ports));
    const dirs = readdirSync(join(cwd, '.state'));
    const manifest = JSON.parse(readFileSync(join(cwd, '.state', dirs[0]!, 'manifest.json'), 'utf8')) as { config: { targets: string[]; inputFile: unknown } };
    expect(manifest.config).toMatchObject({ targets: ['127.0.0.1'], inputFile: null });
  });

  // Read into the command line's targets, an empty list on stdin said only "no targets given"; a file's is named.
  it('an -iL list on stdin with no target is named in the one-line refusal', async () => {
    const r = await runCli(['-iL', '-', '-p', '1', '-q', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end('# only a comment\n\n') });
    expect(r.stderr).toBe('shardscan: error: no targets given (the -iL list on stdin holds none: only blank lines or comments); name at least one, e.g. shardscan 127.0.0.1 -p 22,80\n');
    expect(r.code).toBe(2);
  });

  it('--exclude-file - leaves out the hosts read from stdin', async () => {
    const r = await runCli(['127.0.0.1,127.0.0.2', '--exclude-file', '-', '-p', String(open.ports[0]), '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end('127.0.0.1\n') });
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => x.host)).toEqual(['127.0.0.2']);
  });

  it('--config - reads the config from stdin (it was a file named "-": ENOENT), and only one option may read stdin', async () => {
    const config = JSON.stringify({ targets: ['127.0.0.1'], ports: String(open.ports[0]), format: 'ndjson', states: ['open', 'closed', 'filtered'] });
    const r = await runCli(['--config', '-', '-q', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end(config) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => `${x.host}:${x.port}:${x.state}`)).toEqual([`127.0.0.1:${open.ports[0]}:open`]);
    const both = await runCli(['--config', '-', '-iL', '-', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end(config) });
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe('shardscan: error: only one of --config and --input-file can read stdin (-)');
    const bad = await runCli(['--config', '-', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end('{"ports": "22",\n "rate": 5,,}') });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('shardscan: error: the config on stdin is not valid JSON: Expected double-quoted property name (line 2, column 12)');
  });

  it('a bad line of -iL - or --exclude-file - is refused with its line (stdin was read into the targets, and the line was lost)', async () => {
    const r = await runCli(['-iL', '-', '-p', '1', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end('127.0.0.1\n# note\n\n127.0.0.2 127.0.0.500\n') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("shardscan: error: stdin line 4: bad target '127.0.0.500': not an IPv4 address, CIDR or octet range. Examples: 127.0.0.1, 127.0.0.0/24, 127.0.0.1-127.0.0.9, 127.0.1-3.1-10, ::1, localhost\n");
    const ex = await runCli(['127.0.0.1', '--exclude-file', '-', '-p', '1', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end('127.0.0.2\n127.0.0.0/33\n') });
    expect(ex.code).toBe(2);
    expect(ex.stderr).toMatch(/^shardscan: error: stdin line 2: bad exclusion '127\.0\.0\.0\/33': prefix '\/33' must be 0-32\./);
  });

  it('-o - is stdout', async () => {
    const r = await runCli(['127.0.0.1', '-p', portList, '-o', '-', '-f', 'ndjson', '--timeout', '300', '-q', '--no-out-dir']);
    expect(r.code).toBe(0);
    expect(sorted(ndjson(r.stdout).map((x) => x.port as number))).toEqual(sorted(open.ports));
  });

  it('-iL - waits on a pipe left non-blocking (readFileSync(0) would fail with EAGAIN)', async () => {
    // python3 (installed with python3-libnmap) sets O_NONBLOCK on the pipe, then becomes the CLI; the targets come 2 s later, long after the CLI first reads.
    const nonblock = `import fcntl, os, sys; fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK); os.execvp(sys.argv[1], sys.argv[1:])`;
    const r = await runCli(['-iL', '-', '-p', String(open.ports[0]), '-f', 'ndjson', '-q', '--no-out-dir'], { prefix: `(sleep 2; echo 127.0.0.1) | python3 -c '${nonblock}'` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => `${x.host}:${x.port}`)).toEqual([`127.0.0.1:${open.ports[0]}`]);
  });

  it('-iL - and --config - on a terminal are refused at once (Ctrl+C could not end the wait)', async () => {
    // script(1), from util-linux, runs the CLI on a pseudo-terminal.
    const { spawnSync } = await import('node:child_process');
    const { CLI } = await import('./helpers/cli.js');
    const r = spawnSync('script', ['-qec', `'${process.execPath}' '${CLI}' -iL - -p 1 --no-out-dir`, '/dev/null'], { encoding: 'utf8', cwd: scratchDir(), timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.stdout.trim()).toBe('shardscan: error: cannot read the target list from stdin: it is a terminal; pipe it in, e.g. cat list.txt | shardscan -iL -');
    expect(r.status).toBe(2);
    const config = spawnSync('script', ['-qec', `'${process.execPath}' '${CLI}' --config - --no-out-dir`, '/dev/null'], { encoding: 'utf8', cwd: scratchDir(), timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(config.stdout.trim()).toBe('shardscan: error: cannot read the config from stdin: it is a terminal; pipe it in, e.g. shardscan --config - < scan.json');
    expect(config.status).toBe(2);
  });

  it('an empty stdin is no targets: exit 2, one line', async () => {
    const r = await runCli(['-iL', '-', '-p', '1', '--no-out-dir'], { onSpawn: (child) => child.stdin?.end('') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: no targets given/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('nmap command lines', () => {
  it('-oX FILE, -oN FILE, -oG - and masscan\'s -oJ - write those reports', async () => {
    const cwd = scratchDir();
    const xml = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '-oX', 'r.xml', '-q', '--no-out-dir'], { cwd });
    expect(xml.code).toBe(0);
    expect(xml.stdout).toBe('');
    expect(readFileSync(join(cwd, 'r.xml'), 'utf8')).toMatch(/^<\?xml[\s\S]*<nmaprun /);
    const text = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '-oN', 'r.txt', '-q', '--no-out-dir'], { cwd });
    expect(text.code).toBe(0);
    expect(readFileSync(join(cwd, 'r.txt'), 'utf8')).toMatch(/Nmap scan report for 127\.0\.0\.1/);
    const grep = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '-oG', '-', '-q', '--no-out-dir'], { cwd });
    expect(grep.code).toBe(0);
    expect(grep.stdout).toMatch(new RegExp(`^Host: 127\\.0\\.0\\.1 \\(\\)\tPorts: .*${open.ports[0]}/open/tcp`, 'm'));
    const json = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '-oJ', '-', '-q', '--no-out-dir'], { cwd });
    expect(json.code).toBe(0);
    expect(sorted((JSON.parse(json.stdout) as { records: { port: number }[] }).records.map((x) => x.port))).toEqual(sorted(open.ports));
  });

  it('takes the habits and the renamed options: -T4 -v -4 -Pn -n --reason --open --max-rate --max-retries --max-parallelism --excludefile', async () => {
    const cwd = scratchDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'skip.txt'), '127.0.0.2\n');
    const r = await runCli(['127.0.0.1,127.0.0.2', '-p', portList, '-T4', '-v', '-4', '-Pn', '-n', '--reason', '--open', '--max-rate', '100000', '--max-retries', '1', '--max-parallelism', '500', '--excludefile', 'skip.txt', '-f', 'ndjson', '-q', '--out-dir', 'd'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const records = ndjson(r.stdout);
    expect(new Set(records.map((x) => x.host))).toEqual(new Set(['127.0.0.1']));
    expect(sorted(records.map((x) => x.port as number))).toEqual(sorted(open.ports));
    const manifest = JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(manifest.config).toMatchObject({ rate: 100000, retries: 1, concurrency: 500, states: ['open'], exclude: [], excludeFile: join(cwd, 'skip.txt'), family: 4, openHostsOnly: true });
  });

  it('-6 and -4 keep to one address family, as in nmap: the other is refused, never scanned (-6 scanned 127.0.0.1)', async () => {
    const v6 = await runCli(['::1', '-6', '-p', '1', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir']);
    expect(v6.code, v6.stderr).toBe(0);
    expect(ndjson(v6.stdout).map((x) => x.host)).toEqual(['::1']);
    for (const [flag, target, other] of [['-6', '127.0.0.1', 'IPv4 (127.0.0.1)'], ['-4', '::1', 'IPv6 (::1)'], ['-6', '127.0.0.0/30,::1', 'IPv4 (127.0.0.0 and more)']]) {
      const r = await runCli([target!, flag!, '-p', '1', '--no-out-dir']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`shardscan: error: ${flag} scans IPv${flag === '-6' ? 6 : 4} only, but the targets include ${other}; drop ${flag} to scan both families, or leave them out with --exclude ${flag === '-6' ? '0.0.0.0/0' : '::/0'}\n`);
    }
    // Judged after the exclusions (helper 14): a dual-stack list's other family can be left out, and is never scanned.
    for (const [flag, targets, exclude, host] of [['-6', '127.0.0.1,::1', '0.0.0.0/0', '::1'], ['-4', '::1,127.0.0.1', '::/0', '127.0.0.1']]) {
      const r = await runCli([targets!, flag!, '--exclude', exclude!, '-p', '1', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir']);
      expect(r.code, r.stderr).toBe(0);
      expect(ndjson(r.stdout).map((x) => x.host)).toEqual([host]);
    }
    // localhost has no IPv6 address in this machine's /etc/hosts: with -4 it is 127.0.0.1.
    const named = await runCli(['localhost', '-4', '-p', '1', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir']);
    expect(ndjson(named.stdout).map((x) => x.host)).toEqual(['127.0.0.1']);
    // ...and with -6 it is a name of the other family, said as nmap says it (the advice was "e.g. localhost"; helper 14).
    const six = await runCli(['localhost', '-6', '-p', '1', '--no-out-dir']);
    expect(six.code).toBe(2);
    expect(six.stderr).toBe("shardscan: error: cannot resolve host name 'localhost' to an IPv6 address (-6): it resolves only to IPv4 (127.0.0.1); drop -6 to scan it\n");
  });

  it('-r walks in serial order, --randomize-hosts is the default random order, -h is --help, -V is --version', async () => {
    const serial = await runCli(['127.0.0.1', '-p', '1-3', '-r', '-q', '--no-out-dir']);
    expect(serial.code).toBe(0);
    expect(serial.stdout).toMatch(/scan report \(seed \d+, serial order\)/);
    const random = await runCli(['127.0.0.1', '-p', '1-3', '--randomize-hosts', '-q', '--no-out-dir']);
    expect(random.code).toBe(0);
    expect(random.stdout).toMatch(/scan report \(seed \d+, random order\)/);
    const help = await runCli(['-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^shardscan \[targets\.\.\] \[options\]/);
    expect(help.stdout).toMatch(/--ports/);
    expect(help.stdout).toMatch(/nmap spellings work where they mean the same: -iL FILE/);
    // Every option the help calls ignored is ignored: it listed -6, which is --family 6 and refuses IPv4 targets.
    const ignored = /; (-sT [^;]*?) are\s+taken and ignored/.exec(help.stdout)![1]!.split(/\s+/).flatMap((o) => (o === '-T3..5' ? ['-T3', '-T4', '-T5'] : [o]));
    expect(ignored).toContain('-Pn');
    for (const o of ignored) expect(normalizeArgv(['127.0.0.1', o]), o).toEqual(['127.0.0.1']);
    const version = await runCli(['-V']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("masscan's --includefile, --open-only, --source-ip and -oJ -", async () => {
    const cwd = scratchDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'list.txt'), '127.0.0.1\n');
    const r = await runCli(['--includefile', 'list.txt', '-p', portList, '--open-only', '--source-ip', '127.0.0.2', '--timeout', '300', '-oJ', '-', '-q', '--out-dir', 'd'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sorted((JSON.parse(r.stdout) as { records: { port: number }[] }).records.map((x) => x.port))).toEqual(sorted(open.ports));
    const manifest = JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8')) as { config: Record<string, unknown> };
    // Kept absolute, so a resume from another directory reads the same list.
    expect(manifest.config).toMatchObject({ inputFile: join(cwd, 'list.txt'), states: ['open'], sourceAddress: '127.0.0.2' });
  });

  it('-sTV is -sT -sV: it scans, with service detection (it printed the version and exited 0 before), and -vvv is -v', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '-sTV', '-vvv', '-f', 'ndjson', '-q', '--out-dir', 'd'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout).map((x) => [x.port, x.state])).toEqual([[open.ports[0], 'open']]);
    const manifest = JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8')) as { config: Record<string, unknown> };
    expect(manifest.config).toMatchObject({ banners: true });
  });

  it('-- ends the options: what follows is targets, as in nmap (it was dropped)', async () => {
    const r = await runCli(['-p', '1,2', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir', '--', '127.0.0.1', '127.0.0.2']);
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout).map((x) => `${x.host}:${x.port}`).sort()).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.2:1', '127.0.0.2:2']);
    const option = await runCli(['127.0.0.1', '-p', '1', '--no-out-dir', '--', '--states', 'all']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^shardscan: error: bad target '--states'/);
  });

  it('-F is the top 100 ports', async () => {
    const r = await runCli(['127.0.0.1', '-F', '--timeout', '300', '-f', 'ndjson', '--states', 'all', '-q', '--no-out-dir']);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)).toHaveLength(100);
  });

  it.each([
    [['-oA'], /-oA needs a base name, e.g. -oA scan \(writes scan\.nmap, scan\.xml and scan\.gnmap\)/],
    [['-oA', '-'], /-oA writes three reports and only one can go to stdout/],
    [['-sS'], /-sS is not a TCP connect scan/],
    [['-sU'], /-sU is not a TCP connect scan/],
    [['-sTU'], /-sU is not a TCP connect scan/],
    [['-sTv'], /-sv is not one of nmap's scan types \(it reads the letters after -s one by one: -sTV is -sT -sV\)/],
    [['-vV'], /-vV is not an option: nmap reads what follows -v as a verbosity level/],
    [['-T1'], /-T1 slows nmap down; .*--rate N/],
    [['-O'], /-O asks for OS detection/],
    [['-A'], /use --banners/],
    [['-iR', '10'], /-iR picks random addresses/],
    [['-oL', 'x.lst'], /-oL is not a report shardscan writes: it writes -oN \(text\), -oX \(xml\), -oG \(grep\) and -oJ \(json\)/],
    [['--router-mac', '66-55-44-33-22-11'], /--router-mac shapes raw packets/],
    [['--resume', 'scan.gnmap'], /--resume reads an nmap log; .*shardscan resume DIR/],
    [['--max-hostgroup', '64'], /--max-hostgroup sizes nmap's host groups; shardscan has none/],
    [['--min-rate', '5000'], /--min-rate puts a floor under the pace; shardscan has none/],
    [['--scan-delay=1s'], /--scan-delay spaces out probes; pace shardscan with --rate N/],
    [['-g', '53'], /-g picks the source interface or port; .*--source-address ADDR/],
    [['--ttl', '5'], /--ttl shapes raw packets, which a connect scan cannot do/],
    [['--script', 'banner'], /--script runs nmap's NSE scripts; .*--banners/],
    // yargs kept the last -o alone: the other report was silently never written.
    [['-o', 'a', '--output=b'], /-o is given 2 times \(-o a, --output b\) and names one report; for more reports, add -oN, -oX, -oG or -oJ FILE, or -oA BASE/],
    // Two reports cannot share stdout.
    [['-oN', '-', '-oX', '-'], /-oN - and -oX - both write to stdout; give one of them a file/],
    [['-f', 'json', '-oX', '-'], /-f json and -oX - both write to stdout/],
    [['-oA', 'b', '-oN', '-', '-oJ', '-', '-oG', '-'], /-oN - and -oJ - and -oG - all write to stdout; give all but one a file/],
    // The same stdout under another name: the two reports were written into one another. (Named as typed, -oN, -oX: audit N4.)
    [['-oN', '/dev/stdout', '-oX', '-'], /-oN '\/dev\/stdout' is this command's stdout, where -oX already goes; give it another file/],
    [['-f', 'json', '-oG', '/proc/self/fd/1'], /-oG '\/proc\/self\/fd\/1' is this command's stdout, where the json report already goes/],
    [['-o', 'r.txt', '-oX', '-'], /-oX - writes to stdout, and -o r\.txt names the main report; give -oX a file, or leave out -o/],
    [['-oX', 'a', '-oG', 'a'], /-oX and -oG name the same file 'a'; give each its own/],
    [['-oX', 'a', '-oX', 'a'], /-oX and -oX #2 name the same file 'a'/],
    // Named as typed: these were "-oN and -oN #2", "the text report and -oX" and "-f text and -oX -", the -o never named.
    [['-o', 'a', '-oN', 'a'], /: -o and -oN name the same file 'a'; give each its own\n/],
    [['-o', 'a', '-oX', 'a'], /: -o and -oX name the same file 'a'/],
    [['-o', '-', '-oX', '-'], /: -o - and -oX - both write to stdout; give one of them a file\n/],
    // yargs read --banners=1 as false: banners silently off.
    [['--banners=1'], /--banners is a switch and takes no value \(got '--banners=1'\): give --banners alone, or leave it out/],
    [['--no-out-dir=yes'], /--no-out-dir is a switch and takes no value/],
    // --open --states all showed closed ports and listed every host: one of the two was ignored.
    [['--open', '--states', 'all'], /--open is --states open \(and lists only hosts with an open port\); give --open or --states all, not both/],
  ])('%j is refused in one line', async (args, message) => {
    const r = await runCli(['127.0.0.1', '-p', '1', ...args, '--no-out-dir']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^shardscan: error: /);
    expect(r.stderr).toMatch(message);
  });
});

describe('--source-address (nmap -S, masscan --adapter-ip)', () => {
  it('binds every connect to the address, in both engines and with the nmap and masscan spellings', async () => {
    // Not on 127.0.0.1: other test files scan every port of it at the same time, and their connects (from
    // 127.0.0.1) reached this listener in a CI run.
    const listener = await peerListener('127.0.0.250');
    try {
      for (const [flags, source] of [[['--source-address', '127.0.0.2'], '127.0.0.2'], [['-S', '127.0.0.3', '--engine', 'socket'], '127.0.0.3'], [['--adapter-ip', '127.0.0.4'], '127.0.0.4']] as const) {
        // --banners keeps the connection open: a reset one has no peer address left by the time the server accepts it.
        const from = listener.peers.length;
        const r = await runCli(['127.0.0.250', '-p', String(listener.port), ...flags, '--banners', '--banner-timeout', '500', '-f', 'ndjson', '-q', '--no-out-dir']);
        expect(r.code).toBe(0);
        expect(ndjson(r.stdout).map((x) => x.state)).toEqual(['open']);
        // The probe and the banner grab's own reconnections alike.
        await expect.poll(() => listener.peers.length).toBeGreaterThan(from + 1);
        expect(new Set(listener.peers.slice(from))).toEqual(new Set([source]));
      }
    } finally {
      await listener.close();
    }
  });

  it('resume binds to another address (a scan moved to another machine), checked like a new one', async () => {
    // The listener's host is the last of the range: in serial order the first run stops long before it.
    const listener = await peerListener('127.0.0.250');
    const cwd = scratchDir();
    try {
      const first = await runCli(['127.0.0.10-127.0.0.250', '-p', String(listener.port), '--order', 'serial', '-S', '127.0.0.2', '--banners', '--banner-timeout', '500', '--rate', '200', '--max-time', '0.2', '-q', '--out-dir', 'd', '-o', '/dev/null'], { cwd });
      expect(first.code).toBe(0);
      expect(JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8'))).toMatchObject({ status: 'interrupted' });
      expect(listener.peers).toEqual([]);
      const wrong = await runCli(['resume', 'd', '-S', '::2', '-q'], { cwd });
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/--source-address ::2 is IPv6, but 241 of the targets are IPv4/);
      const moved = await runCli(['resume', 'd', '-S', '127.0.0.3', '--rate', '0', '--max-time', '60', '-q', '-f', 'ndjson', '-o', 'all.ndjson'], { cwd });
      expect(moved.code).toBe(0);
      expect(ndjson(readFileSync(join(cwd, 'all.ndjson'), 'utf8')).filter((x) => x.state === 'open').map((x) => x.host)).toEqual(['127.0.0.250']);
      await expect.poll(() => listener.peers.length).toBeGreaterThan(0);
      expect(new Set(listener.peers)).toEqual(new Set(['127.0.0.3']));
    } finally {
      await listener.close();
    }
  });

  it('resume --no-source-address lets the kernel pick the source (it was refused as "--no--s")', async () => {
    const listener = await peerListener('127.0.0.250');
    const cwd = scratchDir();
    try {
      // --banners holds the connection open, so the listener can read its peer's address (see peerListener).
      const first = await runCli(['127.0.0.10-127.0.0.250', '-p', String(listener.port), '--order', 'serial', '-S', '127.0.0.2', '--banners', '--banner-timeout', '500', '--rate', '200', '--max-time', '0.2', '-q', '--out-dir', 'd', '-o', '/dev/null'], { cwd });
      expect(first.code, first.stderr).toBe(0);
      expect(listener.peers).toEqual([]);
      const moved = await runCli(['resume', 'd', '--no-source-address', '--rate', '0', '--no-max-time', '-q', '-f', 'ndjson', '-o', 'all.ndjson'], { cwd });
      expect(moved.code, moved.stderr).toBe(0);
      expect(ndjson(readFileSync(join(cwd, 'all.ndjson'), 'utf8')).filter((x) => x.state === 'open').map((x) => x.host)).toEqual(['127.0.0.250']);
      await expect.poll(() => listener.peers.length).toBeGreaterThan(0);
      // The kernel's choice on loopback ('local 127.0.0.0/8 dev lo src 127.0.0.1'), not the first run's 127.0.0.2.
      expect(new Set(listener.peers)).toEqual(new Set(['127.0.0.1']));
    } finally {
      await listener.close();
    }
  });

  it.each([
    [['127.0.0.1', '-S', '::1'], /--source-address ::1 is IPv6, but 1 of the targets is IPv4: scan them in another run/],
    [['127.0.0.1', '::1', '-S', '127.0.0.2'], /--source-address 127\.0\.0\.2 is IPv4, but 1 of the targets is IPv6/],
    [['::1', '-S', '::2'], /--source-address ::2 is not an address of this machine \(EADDRNOTAVAIL\)/],
    [['127.0.0.1', '-S', '127.0.0.256'], /bad --source-address '127\.0\.0\.256': give an IPv4 or IPv6 address of this machine/],
    [['127.0.0.1', '-S', ''], /bad --source-address '': give an IPv4 or IPv6 address/],
  ])('%j is refused before the first probe, in one line', async (args, message) => {
    const r = await runCli([...args, '-p', '1', '-q', '--no-out-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('--summary-json', () => {
  it('writes the summary with the counts and this process\'s resources', async () => {
    const file = join(scratchDir(), 'summary.json');
    const r = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '-q', '--no-out-dir', '--summary-json', file]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { status: string; probes: number; counts: Record<string, number>; outDir: unknown; resources: Record<string, number> };
    expect(doc).toMatchObject({ status: 'complete', probes: 15, counts: { open: 3, closed: 10, filtered: 2, error: 0 }, outDir: null });
    expect(doc.resources.maxRssKb).toBeGreaterThan(10_000);
    expect(doc.resources.userMs).toBeGreaterThan(0);
  });

  // A small scan runs on the main thread unless --workers is given: the summary said "2 workers" all the same.
  // Every answered attempt's timeout was counted too: a scan where nothing timed out said "timeouts p50 1000 ms".
  it('counts only the timeouts that ran out, one per attempt no answer came to in time', async () => {
    const file = join(scratchDir(), 'summary.json');
    const r = await runCli(['127.0.0.1', '-p', portList, '--timeout', '300', '--retries', '0', '--no-out-dir', '-o', '/dev/null', '--summary-json', file]);
    expect(r.code, r.stderr).toBe(0);
    type Stats = { samples: number; p99: number; max?: number } | null;
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { counts: Record<string, number>; timing: { timeout: Stats; timerLate: Stats } };
    expect(doc.counts).toMatchObject({ open: 3, closed: 10, filtered: 2 });
    expect(doc.timing.timeout?.samples).toBe(2);
    expect(doc.timing.timeout!.p99).toBeLessThanOrEqual(300 * 1.2); // a histogram bucket's bound
    // How late each was acted on, one sample a timeout that ran out (a filtered record's rtt is its timeout).
    expect(doc.timing.timerLate?.samples).toBe(2);
    expect(doc.timing.timerLate!.max).toBeGreaterThanOrEqual(doc.timing.timerLate!.p99);
    expect(r.stderr).toMatch(/; timeouts p50 [\d.]+ ms, p99 [\d.]+ ms \(acted on p99 [\d.]+ ms late\);/);
    const answered = await runCli(['127.0.0.1', '-p', [...open.ports, ...closed].join(','), '--no-out-dir', '-o', '/dev/null', '--summary-json', file]);
    expect(answered.code, answered.stderr).toBe(0);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { timing: { timeout: unknown; timerLate: unknown } }).timing).toMatchObject({ timeout: null, timerLate: null });
    expect(answered.stderr).toMatch(/; no timeout ran out; retries 0/);
  });

  // And no more threads than the plan has chunks: --workers 256 for 11 ports booted 256 threads for its one chunk (2 GB, 17 s).
  it.each([
    [['-p', '1-20'], 0, /engine \w+, no worker threads \(a small scan runs on the main thread\), up to/],
    [['-p', '1-2000', '--workers', '3'], 3, /engine \w+, 3 workers, up to/],
    [['-p', '1-20', '--workers', '8'], 1, /engine \w+, 1 worker, up to/],
  ])('names the worker threads the scan ran on (%j)', async (extra, workers, line) => {
    const file = join(scratchDir(), 'summary.json');
    const r = await runCli(['127.0.0.1', '--no-out-dir', '-o', '/dev/null', '--summary-json', file, ...extra]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(line);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { workerThreads: number }).workerThreads).toBe(workers);
  });
});

describe('bad input', () => {
  it.each([
    [['127.0.0.1/33'], /bad target '127\.0\.0\.1\/33'.*Examples:/],
    [['127.0.0.1', '-p', '0-10'], /bad port list '0-10'.*Example: -p 22,80,1000-2000/],
    [['127.0.0.1', '-p', 'nosuchservice'], /at 'nosuchservice': no service of that name in the built-in list/],
    [['127.0.0.1', '--timeout', 'soon'], /bad --timeout 'soon'.*e\.g\. --timeout 1000/],
    [['127.0.0.1', '--concurrency', '0'], /bad --concurrency '0'/],
    [['127.0.0.1', '--format', 'yaml'], /bad --format 'yaml': use one of text, json, ndjson, csv, grep, xml/],
    [['127.0.0.1', '--states', 'opened'], /'opened' is not a state/],
    [['127.0.0.1', '--shard', '3/2'], /bad --shard '3\/2'/],
    [['127.0.0.1', '--shard', '1/2'], /--shard 1\/2 needs --seed/],
    [['127.0.0.1', '--frobnicate'], /unknown option --frobnicate \(see shardscan --help\)/],
    [['127.0.0.1', '-xz', '--no-such'], /unknown options -x, -z, --no-such \(see shardscan --help\)/],
    [['127.0.0.1', '-iL', '/nonexistent/list.txt'], /cannot read target file '\/nonexistent\/list\.txt': ENOENT/],
    [['127.0.0.1', '--config', '/nonexistent/c.json'], /cannot read config file/],
    // Read whole, these grew without bound (16.8 GB, then std::bad_alloc), deaf to Ctrl+C.
    [['127.0.0.1', '--config', '/dev/zero'], /cannot read config file '\/dev\/zero': EFBIG: larger than 16 MiB/],
    [['127.0.0.1', '--blocklist', '/dev/zero'], /cannot read --blocklist file '\/dev\/zero': EFBIG: larger than 16 MiB/],
    [['-iL', '/dev/zero'], /cannot read target file '\/dev\/zero': EFBIG: larger than 256 MiB/],
    [[], /no targets given/],
    // An empty argument (an unset shell variable), as ' ' and ',' already were; not the config schema's words.
    [['', '-p', '1'], /^shardscan: error: no targets given/],
    [['127.0.0.1', '--rate', '-1'], /bad --rate '-1': give a plain decimal number \(no sign or exponent; fractions allowed\)/],
    [['127.0.0.1', '--top-ports', '0'], /bad --top-ports '0': give a whole number from 1 to 1000/],
    [['127.0.0.1', '-p', '-0'], /bad port list '-0' at '-0': ports are 1-65535/],
    // A value starting with "-" and a digit was split by yargs: "unexpected arguments '5', 's'".
    [['127.0.0.1', '--timeout', '-5s'], /^shardscan: error: bad --timeout '-5s': give milliseconds/],
    [['127.0.0.1', '--shard', '-1/3', '--seed', '1'], /^shardscan: error: bad --shard '-1\/3': give x\/y/],
    [['127.0.0.1', '-o', '/nonexistent/report.txt'], /cannot open --output '\/nonexistent\/report\.txt': ENOENT/],
    [['127.0.0.1', '--out-dir', '/proc/shardscan-test'], /cannot create --out-dir '\/proc\/shardscan-test': ENOENT/],
    // Written when the scan ends, but refused before it starts.
    [['127.0.0.1', '--summary-json', '/nonexistent/s.json'], /cannot write --summary-json '\/nonexistent\/s\.json': ENOENT/],
    [['127.0.0.1', '--summary-json', '/'], /cannot write --summary-json '\/': EISDIR/],
    // Root passes access(W_OK) there, and the write failed only after the scan (exit 1).
    [['127.0.0.1', '--summary-json', '/proc/shardscan-test.json'], /cannot write --summary-json '\/proc\/shardscan-test\.json': ENOENT/],
    [['127.0.0.1', '--summary-json', '/sys/kernel/shardscan-test.json'], /cannot write --summary-json '\/sys\/kernel\/shardscan-test\.json': (EACCES|EROFS|EPERM)$/m],
    // An existing kernel file opens for writing as root; the write failed after the scan (exit 1).
    [['127.0.0.1', '--summary-json', '/proc/self/status'], /cannot write --summary-json '\/proc\/self\/status': a kernel file of \/proc or \/sys, not one to write to$/m],
    [['127.0.0.1', '-o', '/proc/version'], /cannot open --output '\/proc\/version': a kernel file of \/proc or \/sys, not one to write to$/m],
    [['127.0.0.1', '--summary-json', ''], /--summary-json needs a file name/],
    [['127.0.0.1', '--summary-json', '-'], /--summary-json needs a file name \(stdout carries the report\)/],
    // An empty file name (an unset shell variable) is an error, never "none": an ignored --exclude-file scans what it meant to leave out.
    [['127.0.0.1', '--exclude-file', ''], /--exclude-file needs a file name, e\.g\. --exclude-file skip\.txt/],
    [['127.0.0.1', '--input-file', ''], /--input-file needs a file name/],
    [['127.0.0.1', '--config', ''], /--config needs a file name/],
    [['127.0.0.1', '--out-dir', ''], /--out-dir needs a directory name/],
    [['127.0.0.1', '-o', ''], /--output needs a file name, e\.g\. -o report\.txt \(- for stdout\)/],
    // nmap's -oN with its file forgotten: the next option is not taken for the file name.
    [['127.0.0.1', '-oN'], /-oN needs a file name, e.g. -oN report.txt \(- for stdout\)/],
    [['127.0.0.1', '--exclude', ''], /bad --exclude '': empty/],
    [['127.0.0.1', '-'], /a lone '-' is not a target or a value; to read targets from stdin, use -iL -/],
    [['-iL', '-', '--exclude-file', '-'], /only one of --input-file and --exclude-file can read stdin/],
    // yargs made these option = false, and each crashed on it: "internal error: value.trim is not a function", exit 1.
    // --no-ports named its alias: "--no-p is not an option".
    ...['--no-metrics', '--no-summary-json', '--no-rate', '--no-timeout', '--no-seed', '--no-states', '--no-format', '--no-workers', '--no-ports', '--no-output'].map((o) => [['127.0.0.1', '-p', '1', o], new RegExp(`^shardscan: error: ${o} is not an option: only switches and --no-out-dir, --no-blocklist, --no-source-address, --no-max-time have a --no- form`)] as [string[], RegExp]),
    // A RegExp made from the token: "internal error: Invalid regular expression" and 40 KB of it, exit 1.
    [['127.0.0.1', '-p', 'x'.repeat(40_000)], /^shardscan: error: bad port list '(x){40,48}…?' /],
  ])('%j → exit 2 and one line', async (args, message) => {
    const r = await runCli([...args, ...(args.includes('--out-dir') ? [] : ['--no-out-dir']), '-q']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^shardscan: error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  // A host name is a target outside loopback: its lookup runs where nothing can leave (it ran in this machine's
  // namespace, and asked its DNS servers).
  it.each([
    [['no-such-host.invalid'], /cannot resolve host name 'no-such-host\.invalid'/],
  ])('%j → exit 2 and one line, in a namespace with only its loopback', { skip: noNamespaces }, async (args, message) => {
    const ns = isolated();
    try {
      const r = await runCli([...args, '--no-out-dir', '-q'], { prefix: ns.prefix });
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      ns.destroy();
    }
  });

  it.each(['merge', 'validate'])('%s without directories says what it needs, in one line', async (command) => {
    const r = await runCli([command]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`shardscan: error: ${command} needs the shard directories, e.g. shardscan ${command} scan-1 scan-2 (see shardscan ${command} --help)\n`);
  });

  it.each(['merge', 'status', 'resume'])('%s given a file, not a shard directory, says so in one line', async (command) => {
    const cwd = scratchDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'report.ndjson'), '{}\n');
    const r = await runCli([command, 'report.ndjson'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: '?report\.ndjson'? is a file, not a directory/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a config file with a bad field names it', async () => {
    const dir = scratchDir();
    const file = join(dir, 'c.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ targets: ['127.0.0.1'], timeoutMs: -5 }));
    const r = await runCli(['--config', file, '--no-out-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config file '.*c\.json': \/timeoutMs must be >= 1/);
    writeFileSync(file, JSON.stringify({ targets: ['127.0.0.1'], speed: 'fast' }));
    const r2 = await runCli(['--config', file, '--no-out-dir']);
    expect(r2.stderr).toMatch(/unknown key 'speed'/);
  });

  it('a config file is held to what the flags are held to', async () => {
    const cwd = scratchDir();
    const { writeFileSync } = await import('node:fs');
    const config = (c: object): string => (writeFileSync(join(cwd, 'c.json'), JSON.stringify({ targets: ['127.0.0.1-127.0.0.3'], ports: '1', states: ['open', 'closed'], format: 'csv', ...c })), 'c.json');
    // An empty name was "none" (excludeFile) or the current directory (outDir); flags refuse both.
    for (const [key, value] of [['outDir', ''], ['excludeFile', ' '], ['inputFile', '']] as const) {
      const r = await runCli(['--config', config({ [key]: value }), '--no-out-dir'], { cwd });
      expect(r.code, key).toBe(2);
      expect(r.stderr).toBe(`shardscan: error: config file 'c.json': "${key}" is empty; give a ${key === 'outDir' ? 'directory' : 'file'} name, or null for none\n`);
    }
    expect(readdirSync(cwd)).toEqual(['c.json']);
    const blank = await runCli(['--config', config({ exclude: [' '] }), '--no-out-dir'], { cwd });
    expect(blank.stderr).toMatch(/"exclude" has an empty entry/);
    // "output": "-" is stdout, as -o - is (it made a file named "-").
    const out = await runCli(['--config', config({ output: '-' }), '-q', '--no-out-dir'], { cwd });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^host,port,state/);
    expect(existsSync(join(cwd, '-'))).toBe(false);
    // --exclude adds to the file's list; it replaced it, and 127.0.0.2 was scanned.
    const both = await runCli(['--config', config({ exclude: ['127.0.0.2'] }), '--exclude', '127.0.0.3', '-q', '--no-out-dir'], { cwd });
    expect(both.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['127.0.0.1']);
  });

  it('resume from another directory reads a relative -iL, --exclude-file and -o as the first run meant them', async () => {
    const first = scratchDir();
    const elsewhere = scratchDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(first, 't.txt'), '127.0.0.1\n127.0.0.2\n127.0.0.3\n');
    writeFileSync(join(first, 'skip.txt'), '127.0.0.3\n');
    const r = await runCli(['-iL', 't.txt', '--exclude-file', 'skip.txt', '-p', '1-400', '--host-rate', '200', '--max-time', '0.3', '-f', 'ndjson', '--states', 'all', '-o', 'r.ndjson', '--out-dir', 'd', '-q'], { cwd: first });
    expect(r.code, r.stderr).toBe(0);
    const resumed = await runCli(['resume', join(first, 'd'), '--max-time', '60', '--host-rate', '0', '-q'], { cwd: elsewhere });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(ndjson(readFileSync(join(first, 'd', 'shard-1-of-1.ndjson'), 'utf8')).map((x) => x.host)).not.toContain('127.0.0.3');
    expect(ndjson(readFileSync(join(first, 'd', 'shard-1-of-1.ndjson'), 'utf8'))).toHaveLength(800);
    expect(existsSync(join(first, 'r.ndjson'))).toBe(true);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('a current directory that was deleted is one line, not an internal error', async () => {
    const gone = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', '1', '--no-out-dir'], { cwd: gone, prefix: `rmdir ${gone} && exec` });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('shardscan: error: the current directory no longer exists; cd to one that does and run again\n');
  });
});

describe('interrupts', () => {
  it('Ctrl+C stops within 500 ms, keeps what was found, ends the JSON, exits 130', async () => {
    const cwd = scratchDir();
    let sent: Promise<number> = Promise.resolve(Number.NaN);
    // Sent once the open ports' records are in the scan's shard file (the filtered ones wait 20 s).
    const found = (): boolean => recordsIn(stateScanDir(cwd)) >= open.ports.length;
    const r = await runCli(['127.0.0.1', '-p', [...open.ports, ...filtered.ports].join(','), '-f', 'json', '--timeout', '20000', '--min-rtt-timeout', '20s', '--retries', '0'], {
      cwd,
      onSpawn: (child) => (sent = signalWhen(child, found, 'SIGINT')),
    });
    const stoppedIn = performance.now() - (await sent);
    expect(r.code).toBe(130);
    expect(stoppedIn).toBeLessThan(500 + 100); // 100 ms for the child's exit to reach us
    const doc = JSON.parse(r.stdout) as { records: { port: number; state: string }[]; summary: { status: string; stopReason: string } };
    expect(sorted(doc.records.map((x) => x.port))).toEqual(sorted(open.ports));
    expect(doc.summary).toMatchObject({ status: 'interrupted', stopReason: 'signal' });
    expect(r.stderr).toMatch(/shardscan interrupted \(signal\): 3\/5 probes/);
    expect(r.stderr).toMatch(/local events: none/); // no worker died on the way out
    expect(r.stderr).toContain(`continue with: shardscan resume ${join(cwd, '.state')}/`);
    const dir = join(cwd, '.state', readdirSync(join(cwd, '.state'))[0]!);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { status: string; recordCount: number };
    expect(manifest).toMatchObject({ status: 'interrupted', recordCount: 3 });
  });

  it('SIGTERM does the same; a second signal exits at once', async () => {
    const args = ['127.0.0.1', '-p', filtered.ports.join(','), '--timeout', '20000', '--min-rtt-timeout', '20s', '-q'];
    // Once the scan has written its first checkpoint (at its start), so the handler is installed even on a loaded machine.
    const cwd1 = scratchDir();
    const once = await runCli(args, { cwd: cwd1, onSpawn: (child) => void signalWhen(child, () => checkpointIn(stateScanDir(cwd1)), 'SIGTERM') });
    expect(once.code).toBe(130);
    expect(once.stderr).toMatch(/stopping on SIGTERM \(send it again to quit at once\)/);
    expect(once.stderr).toMatch(/^shardscan: interrupted after 0\/\d+ probes; continue with: shardscan resume \S+\.state\/\S+$/m);
    expect(once.stderr).not.toMatch(/interrupted again/);
    // A stop that cannot end: its report goes to a pipe nobody reads (20,000 closed ports' records, more than a
    // pipe holds). The second signal, sent a second after the first, ends it (two sent at once may arrive as one,
    // or the second after the stop has ended). Without that, the stop waits until the test's kill (exit code null).
    // The first is sent once the shard file holds 2,000 records (~200 KB, so the report's pipe is full), not at a
    // fixed time: on a loaded machine the scan may not have got that far.
    const cwd = scratchDir();
    const stuck = await runCli(['127.0.0.1', '-p', `1-20000,${filtered.ports.join(',')}`, '--timeout', '20000', '--min-rtt-timeout', '20s', '--states', 'all', '-f', 'ndjson', '-q', '--out-dir', 'd'], {
      cwd,
      killAfterMs: 30_000,
      onSpawn: (child) => {
        child.stdout!.pause();
        child.once('exit', () => child.stdout!.resume());
        whenRunning(
          child,
          () => recordsIn(join(cwd, 'd')) >= 2000,
          () => {
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGTERM'), 1000);
          },
        );
      },
    });
    expect(stuck.code).toBe(130);
    expect(stuck.stderr).toMatch(/stopping on SIGTERM/);
    // Helper 24: it said no more, and the README's way to write the report again (merge) was refused.
    expect(stuck.stderr).toMatch(/^shardscan: interrupted again, exiting now; the reports may be cut short: shardscan resume d writes them whole again$/m);
  });

  it("a stop's abandoned attempts are not counted as timeouts used (an interrupted summary showed p99 1000 ms where the scan used 116 ms)", async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', filtered.ports.join(','), '--timeout', '20000', '--min-rtt-timeout', '20s', '-q', '--out-dir', 'd', '--summary-json', 's.json'], {
      cwd,
      onSpawn: (child) => void signalWhen(child, () => checkpointIn(join(cwd, 'd')), 'SIGINT'),
    });
    expect(r.code).toBe(130);
    const s = JSON.parse(readFileSync(join(cwd, 's.json'), 'utf8')) as { done: number; timing: { timeout: unknown } };
    // No attempt ran to its 20 s timeout before the stop: none was used.
    expect(s.done).toBe(0);
    expect(s.timing.timeout).toBeNull();
  });

  it('-q: a stop before the end says in one line how far it got and how to go on', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', [...open.ports, ...filtered.ports].join(','), '--timeout', '20000', '--min-rtt-timeout', '20s', '-q', '--out-dir', 'd', '-o', '/dev/null'], {
      cwd,
      onSpawn: (child) => void signalWhen(child, () => recordsIn(join(cwd, 'd')) >= open.ports.length, 'SIGINT'),
    });
    expect(r.code).toBe(130);
    const of = open.ports.length + filtered.ports.length;
    expect(r.stderr).toBe(`shardscan: stopping (Ctrl+C again to quit at once)…\nshardscan: interrupted after ${open.ports.length}/${of} probes; continue with: shardscan resume d\n`);
  });

  it('SIGHUP (a closed terminal, a dropped ssh session) stops as SIGTERM does, a whole report, no lock left, then ends by SIGHUP', async () => {
    const cwd = scratchDir();
    const r = await runCli(['127.0.0.1', '-p', [...open.ports, ...filtered.ports].join(','), '-f', 'json', '--timeout', '20000', '--min-rtt-timeout', '20s', '--out-dir', 'd', '-q'], {
      cwd,
      onSpawn: (child) => void signalWhen(child, () => recordsIn(join(cwd, 'd')) >= open.ports.length, 'SIGHUP'),
    });
    // Node's default ended it at once: the JSON cut short and running.lock left behind.
    expect(r.signal).toBe('SIGHUP');
    const doc = JSON.parse(r.stdout) as { records: { port: number }[]; summary: { status: string; stopReason: string } };
    expect(sorted(doc.records.map((x) => x.port))).toEqual(sorted(open.ports));
    expect(doc.summary).toMatchObject({ status: 'interrupted', stopReason: 'signal' });
    expect(existsSync(join(cwd, 'd', 'running.lock'))).toBe(false);
  });
});

describe('at a terminal (script(1) gives the CLI a pseudo-terminal)', () => {
  it('a terminal that closes mid-scan: the report is whole, the lock gone, and the process ends by SIGHUP (Node 20 aborted: SIGABRT, exit 134)', async () => {
    const dir = scratchDir();
    const { execFileSync } = await import('node:child_process');
    // python3's pty: the child's terminal is closed under it 1.5 s in, as when a window or an ssh session goes.
    const py = [
      'import os, pty, select, sys, time',
      'pid, fd = pty.fork()',
      `if pid == 0: os.execv(sys.argv[1], [sys.argv[1], '${CLI}', '127.7.0.0/16', '-p', '1-3', '-f', 'json', '-o', 'r.json', '--out-dir', 'sd', '--rate', '20000'])`,
      'end = time.time() + 1.5',
      'while time.time() < end:',
      '    r, _, _ = select.select([fd], [], [], 0.05)',
      '    if r:',
      '        try: os.read(fd, 65536)',
      '        except OSError: break',
      'os.close(fd)',
      '_, status = os.waitpid(pid, 0)',
      "print(('signal %d' % os.WTERMSIG(status)) if os.WIFSIGNALED(status) else ('exit %d' % os.WEXITSTATUS(status)))",
    ].join('\n');
    const how = execFileSync('python3', ['-c', py, process.execPath], { cwd: dir, encoding: 'utf8', timeout: 60_000 }).trim();
    expect(how).toBe('signal 1');
    const doc = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { summary: { status: string } };
    expect(doc.summary.status).toBe('interrupted');
    expect(existsSync(join(dir, 'sd', 'running.lock'))).toBe(false);
    expect((JSON.parse(readFileSync(join(dir, 'sd', 'manifest.json'), 'utf8')) as { status: string }).status).toBe('interrupted');
  });

  const atTerminal = async (args: string): Promise<string> => {
    const { execFileSync } = await import('node:child_process');
    return execFileSync('script', ['-qec', `${process.execPath} ${CLI} ${args}`, '/dev/null'], { encoding: 'latin1', timeout: 30_000 });
  };

  it('records streamed to the terminal get no live bar over them (it wrote over json lines and glued ndjson to the bar)', async () => {
    const shown = await atTerminal('127.0.0.1 -p 1-3000 --rate 3000 -f ndjson --states all --no-out-dir');
    expect(shown).not.toContain('\x1b[K');
    expect(shown.split(/\r?\n/).filter((l) => l.startsWith('{')).every((l) => /^\{.*\}$/.test(l))).toBe(true);
    expect(shown.split(/\r?\n/).filter((l) => l.startsWith('{"host"'))).toHaveLength(3000);
    // A report that goes elsewhere keeps the bar.
    expect(await atTerminal('127.0.0.1 -p 1-3000 --rate 3000 -f ndjson --no-out-dir -o /dev/null')).toContain('\x1b[K');
  });
});

describe('stderr that fails', () => {
  it('a reader of stderr that goes away does not end the scan: the report and shard directory are whole, exit 0', async () => {
    const cwd = scratchDir();
    const { spawn } = await import('node:child_process');
    // Not -q: notes, progress and the summary all write to the broken pipe.
    const child = spawn(process.execPath, [CLI, '127.0.0.1', '-p', '1-2000', '--rate', '2000', '-f', 'ndjson', '--states', 'all', '-o', 'r.ndjson', '--out-dir', 'd'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.destroy(); // the reader is gone: every write to stderr is EPIPE
    const code = await new Promise<number | null>((done) => child.on('close', done));
    // It died with an unhandled 'error' event (exit 1), the report cut and the lock left behind.
    expect(code).toBe(0);
    expect(readFileSync(join(cwd, 'r.ndjson'), 'utf8').trim().split('\n')).toHaveLength(2000);
    expect((JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8')) as { status: string }).status).toBe('complete');
    expect(existsSync(join(cwd, 'd', 'running.lock'))).toBe(false);
  });

  it('status and validate: stdout on a full disk is one line and exit 1, a reader gone is quiet, exit 141 (both were a stack trace)', async () => {
    const cwd = scratchDir();
    expect((await runCli(['127.0.0.1', '-p', '1', '-q', '-o', '/dev/null', '--out-dir', 'd'], { cwd })).code).toBe(0);
    for (const command of ['status', 'validate']) {
      const full = await runCli([command, 'd'], { cwd, prefix: 'exec >/dev/full; exec' });
      expect(full.code, command).toBe(1);
      expect(full.stderr).toBe('shardscan: error: cannot write to stdout: ENOSPC\n');
    }
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [CLI, 'validate', ...Array.from({ length: 50 }, () => 'd')], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.destroy(); // | head that has read enough
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await new Promise<number | null>((done) => child.on('close', done))).toBe(141);
    expect(stderr).toBe('');
  });
});

describe('a reader that goes away', () => {
  it('| head ends the scan quietly with exit 141, as nmap killed by SIGPIPE (a pipefail script sees it); the shard directory is interrupted', async () => {
    const { spawnSync } = await import('node:child_process');
    const { CLI } = await import('./helpers/cli.js');
    const cwd = scratchDir();
    // 127.0.0.66, where no test listens: every port of 127.0.0.1 reaches other files' listeners, whose tests count connections.
    const r = spawnSync('bash', ['-c', `'${process.execPath}' '${CLI}' 127.0.0.66 -p- -f ndjson --states all --out-dir d | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8', cwd, env: { ...process.env, SHARDSCAN_CONFIG_DIR: scratchDir(), SHARDSCAN_STATE_DIR: join(cwd, '.state') } });
    expect(r.stdout.trim()).toBe('141');
    expect(r.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(cwd, 'd', 'manifest.json'), 'utf8')).status).toBe('interrupted');
  });
});

describe('file-descriptor limits', () => {
  it('under ulimit -n 256 a huge --concurrency is capped, said, and gives the same records', async () => {
    const ports = `1-3000,${portList}`;
    const args = ['127.0.0.1', '-p', ports, '-f', 'ndjson', '--states', 'open,closed', '--seed', '5', '--no-out-dir'];
    const normal = await runCli([...args, '-q']);
    const tight = await runCli([...args, '--concurrency', '50000'], { prefix: 'ulimit -n 256; exec' });
    expect(tight.code).toBe(0);
    expect(tight.stderr).toMatch(/--concurrency 50000 does not fit the file-descriptor limit \(ulimit -n 256\); using \d+/);
    const key = (x: Record<string, unknown>) => `${x.host}:${x.port}:${x.state}`;
    const a = ndjson(normal.stdout).map(key).sort();
    const b = ndjson(tight.stdout).map(key).sort();
    expect(b.length).toBeGreaterThan(3000);
    expect(b).toEqual(a);
  });

  it('EMFILE mid-scan is the scanner\'s problem: backed off, retried, counted, never a port state', async () => {
    // Bypass the cap on purpose (SHARDSCAN_FD_LIMIT lies about the limit) so the kernel says EMFILE.
    const args = ['127.0.0.1', '-p', `1-4000,${open.ports.join(',')}`, '-f', 'ndjson', '--states', 'all', '--concurrency', '2000', '--workers', '1', '--no-out-dir'];
    // 60 descriptors: loopback answers at once, so few sockets are open at a time; a tight limit still hits.
    const r = await runCli(args, { prefix: 'ulimit -n 60; exec', env: { SHARDSCAN_FD_LIMIT: '100000' } });
    expect(r.code).toBe(0);
    const records = ndjson(r.stdout);
    expect(records.filter((x) => x.state === 'error')).toEqual([]);
    expect(records.filter((x) => x.state === 'open').map((x) => x.port as number).sort((a, b) => a - b)).toEqual(
      expect.arrayContaining(sorted(open.ports)),
    );
    expect(records).toHaveLength(4003);
    expect(new Set(records.map((x) => x.port)).size).toBe(records.length);
    expect(r.stderr).toMatch(/local events: .*EMFILE \d+/);
  });
});

describe('a descriptor limit too low to start', () => {
  // At 22 descriptors the CLI loads (its chunks are read one at a time), but
  // nothing is left for connects once the descriptors it keeps for itself are
  // counted: its workers failed to start, or the scan crawled at two probes in
  // flight, at random. The user gets one line naming the limit, not Node's
  // stack trace, whether the pool was starting (-p-) or not. (Below ~19 Node
  // itself cannot open the bin: its own stack trace, before any of our code.)
  it.each([['1-500'], ['-']])('ulimit -n 22, -p %s: one line naming the limit, exit 1', async (ports) => {
    const r = await runCli(['127.0.0.1', `-p${ports}`, '--no-out-dir', '-q'], { prefix: 'ulimit -n 22; exec' });
    // Refused once the scan is planned; or, with -p-, the pool's workers booting alongside took the last descriptors while a chunk loaded.
    // -p 1-500 runs on the main thread (no worker threads), -p- on worker threads: each is judged by what it starts.
    const scanOf = ports === '-' ? String.raw`a scan with \d+ workers?` : 'a scan on the main thread';
    const refused = new RegExp(String.raw`^shardscan: error: out of file descriptors: ulimit -n 22 leaves none for connects \(${scanOf} needs at least \d+\); raise the limit \(e\.g\. ulimit -n 4096\) and run again\n$`);
    const whileLoading = 'shardscan: out of file descriptors while starting (EMFILE): raise the limit (ulimit -n) and run again\n';
    if (r.stderr !== whileLoading || ports !== '-') expect(r.stderr).toMatch(refused);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('--version and --help', () => {
  it('print and exit 0', async () => {
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await runCli(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--top-ports/);
    expect(existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'main.js'))).toBe(true);
  });
});

describe('--max-time with --banners', () => {
  // A slice shorter than a port's banner read cut it at every slice's end, and resuming in such slices never finished.
  it.each([
    [['--max-time', '1'], true],
    [['--max-time', '1', '--banner-timeout', '500ms'], false],
    [['--max-time', '6'], false],
  ])('%j: the note that a slice cannot hold a read is said only when it cannot (%s)', async (extra, said) => {
    const closed = await closedPorts(1);
    const r = await runCli(['127.0.0.1', '-p', String(closed[0]), '--banners', '--no-out-dir', '-o', '/dev/null', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.includes('may be too short for --banners: a slice must hold a port\'s connect and its whole banner read')).toBe(said);
  });
});
