/**
 * --metrics serves Prometheus text at /metrics while a scan runs, on the one
 * (loopback) address given: mid-scan the counters match what was decided
 * (open and closed ports answered, filtered ones still in flight), and when
 * the scan ends the server is gone and the process has exited. A bad address
 * is one line and exit 2, before any shard directory is made.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsAddress } from '../src/cli/metrics.js';
import { type Fixture, blackholePorts, closedPorts, openPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

let open: Fixture;
let filtered: Fixture;
let closed: number[];

beforeAll(async () => {
  open = await openPorts(1);
  filtered = await blackholePorts(2);
  closed = await closedPorts(20, '127.0.0.1', [...open.ports, ...filtered.ports]);
});

afterAll(async () => {
  await open?.close();
  await filtered?.close();
});

/** The value of one sample in Prometheus text, e.g. sample(t, 'x_total', 'state="open"'); undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('--metrics address', () => {
  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['localhost:80', { host: 'localhost', port: 80 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
  ])('%s → %j', (value, addr) => {
    expect(parseMetricsAddress(value)).toEqual(addr);
  });

  // 127.0.0.256:0 went to DNS (ENOTFOUND) as a host name.
  it.each(['', 'metrics', ':9464', '127.0.0.1:', '127.0.0.1:70000', '[nope]:80', '::1:80', '127.0.0.1:80/metrics', '127.0.0.256:0', '127.1:9464'])('%j is refused', (value) => {
    expect(() => parseMetricsAddress(value)).toThrowError(/^bad --metrics '.*': give HOST:PORT or only a PORT \(on loopback\), e\.g\. --metrics 127\.0\.0\.1:9464/);
  });

  it("says so when the scan covers its own server's port, which answers as open (an audit took it for a finding)", async () => {
    const [port, other] = await closedPorts(2);
    const own = await runCli(['127.0.0.1', '-p', `${port},${other}`, '--metrics', `127.0.0.1:${port}`, '-f', 'ndjson', '--states', 'all', '--no-out-dir']);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stderr).toContain(`shardscan: 127.0.0.1 port ${port} is this scan's own --metrics server: it will show as open\n`);
    expect(JSON.parse(own.stdout.split('\n').find((l) => l.includes(`"port":${port},`))!)).toMatchObject({ state: 'open' });
    const apart = await runCli(['127.0.0.1', '-p', String(other), '--metrics', `127.0.0.1:${port}`, '--no-out-dir', '-o', '/dev/null']);
    expect(apart.code, apart.stderr).toBe(0);
    expect(apart.stderr).not.toContain('own --metrics server');
  });

  it('a bad value, or an address in use: one line, exit 2, no shard directory', async () => {
    const cwd = scratchDir();
    const bad = await runCli(['127.0.0.1', '-p', '1', '--metrics', 'everywhere'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("shardscan: error: bad --metrics 'everywhere': give HOST:PORT or only a PORT (on loopback), e.g. --metrics 127.0.0.1:9464, --metrics 9464 or --metrics [::1]:9464\n");
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
    const port = (busy.address() as net.AddressInfo).port;
    const busy6 = net.createServer();
    await new Promise<void>((resolve) => busy6.listen({ host: '::1', port: 0 }, () => resolve()));
    const port6 = (busy6.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['127.0.0.1', '-p', '1', '--metrics', `127.0.0.1:${port}`], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`shardscan: error: cannot serve --metrics on 127.0.0.1:${port}: EADDRINUSE\n`);
      // An IPv6 address in brackets, as it was given (it read "on ::1:9464").
      const r6 = await runCli(['127.0.0.1', '-p', '1', '--metrics', `[::1]:${port6}`], { cwd });
      expect(r6.stderr).toBe(`shardscan: error: cannot serve --metrics on [::1]:${port6}: EADDRINUSE\n`);
    } finally {
      busy.close();
      busy6.close();
    }
    expect(existsSync(join(cwd, '.state'))).toBe(false);
  });

  // The server was started before the rest was checked: bad input printed "metrics at …" before its one line.
  it.each([
    [['127.0.0.1', '-p', '0'], /^shardscan: error: bad port list '0'/],
    [['127.0.0.1', '-p', '1', '--summary-json', '/nonexistent/s.json'], /^shardscan: error: cannot write --summary-json/],
    [['resume', '/nonexistent/dir'], /^shardscan: error: .*nonexistent\/dir/],
    // The directory of an earlier scan (made below): it was refused after "metrics at …".
    [['127.0.0.1', '-p', '1', '--out-dir', 'TAKEN'], /^shardscan: error: --out-dir .* already holds a (complete )?scan/],
  ])('other bad input with --metrics (%j) is still its one line, and nothing is served', async (args, message) => {
    const taken = join(scratchDir(), 'taken');
    if (args.includes('TAKEN')) expect((await runCli(['127.0.0.1', '-p', '1', '-q', '--out-dir', taken])).code).toBe(0);
    const r = await runCli([...args.map((a) => (a === 'TAKEN' ? taken : a)), '--metrics', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('/metrics during a scan', () => {
  it('counts what was decided, shows the filtered probes in flight, and goes away with the scan', async () => {
    const ports = [...open.ports, ...closed, ...filtered.ports];
    let url = '';
    let mid = '';
    let notFound = 0;
    let scrapeError: unknown = null;
    const r = await runCli(['127.0.0.1', '-p', ports.join(','), '-c', '64', '--timeout', '4000', '--min-rtt-timeout', '4s', '--retries', '0', '--metrics', '127.0.0.1:0', '-q', '--no-out-dir'], {
      onSpawn: (child) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /shardscan: metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(err);
          if (m && url === '') {
            url = m[1]!;
            void scrape().catch((e: unknown) => (scrapeError = e));
          }
        });
        // Poll until every answered port is counted; the two filtered ones stay in flight for 4 s.
        const scrape = async (): Promise<void> => {
          for (let i = 0; i < 60; i++) {
            const res = await fetch(url);
            const text = await res.text();
            if (sample(text, 'shardscan_targets_done_total') === ports.length - 2) {
              expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
              mid = text;
              notFound = (await fetch(url.replace('/metrics', '/'))).status;
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        };
      },
    });
    expect(scrapeError).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(url).not.toBe('');
    expect(mid).not.toBe('');
    expect(sample(mid, 'shardscan_probes_total', 'state="open"')).toBe(1);
    expect(sample(mid, 'shardscan_probes_total', 'state="closed"')).toBe(20);
    expect(sample(mid, 'shardscan_probes_total', 'state="filtered"')).toBe(0);
    expect(sample(mid, 'shardscan_probes_total', 'state="error"')).toBe(0);
    expect(sample(mid, 'shardscan_targets')).toBe(23);
    // Prometheus' rules (promtool check metrics): a counter ends in _total, a gauge does not.
    expect(mid).toContain('# TYPE shardscan_targets_done_total counter');
    expect(mid).toContain('# TYPE shardscan_targets gauge');
    for (const m of mid.matchAll(/^# TYPE (shardscan_\S+) (\w+)$/gm)) expect(`${m[1]} ${m[2]}`).not.toMatch(/_total (gauge|histogram|summary)$/);
    expect(sample(mid, 'shardscan_in_flight')).toBe(2);
    expect(sample(mid, 'shardscan_window_limit')).toBe(64);
    // Histograms, which shards add up bucket by bucket: one RTT per answer (21), one timeout per attempt that ran out
    // (none: the 21 were answered, and the 2 in flight have not run out yet; every answered one was counted before).
    expect(mid).toContain('# TYPE shardscan_rtt_seconds histogram');
    expect(mid).toContain('# TYPE shardscan_timeout_seconds histogram');
    expect(sample(mid, 'shardscan_rtt_seconds_count')).toBe(21);
    expect(sample(mid, 'shardscan_rtt_seconds_bucket', 'le="+Inf"')).toBe(21);
    expect(sample(mid, 'shardscan_rtt_seconds_bucket', 'le="5.24288"')).toBe(21); // every answer under the 4 s timeout
    const buckets = [...mid.matchAll(/^shardscan_rtt_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
    expect(buckets.length).toBe(24);
    expect(buckets.every((n, i) => i === 0 || n >= buckets[i - 1]!)).toBe(true);
    expect(sample(mid, 'shardscan_rtt_seconds_sum')).toBeGreaterThan(0);
    expect(sample(mid, 'shardscan_rtt_seconds_sum')).toBeLessThan(21 * 4);
    expect(sample(mid, 'shardscan_timeout_seconds_count')).toBe(0);
    expect(sample(mid, 'shardscan_retries_total')).toBe(0);
    expect(sample(mid, 'shardscan_retries_answered_total')).toBe(0);
    expect(sample(mid, 'shardscan_window_shrinks_undone_total')).toBe(0);
    expect(mid).toContain('# TYPE shardscan_probes_total counter');
    expect(mid).toContain('# TYPE shardscan_local_events_total counter');
    expect(mid).toContain('# TYPE shardscan_window_shrinks_total counter');
    expect(mid).toMatch(/^shardscan_scan_info\{scan_key="[0-9a-f]{16}",seed="\d+",shard="1\/1"\} 1$/m);
    expect(mid).toMatch(/^process_cpu_seconds_total /m);
    expect(notFound).toBe(404);
    // The scan ended, and took the server with it.
    await expect(fetch(url)).rejects.toThrow();
  });
});
