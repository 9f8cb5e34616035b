/**
 * --metrics HOST:PORT: Prometheus text at /metrics while a scan runs, for
 * dashboards and alerts on long or sharded scans. It only reads what the
 * progress line reads (the coordinator's counters and timing summary), once
 * per scrape, and serves on the one address given (loopback when only a
 * port is). The server is closed when the scan ends, and never keeps the
 * process alive on its own.
 *
 * prom-client writes the exposition format (escaping, TYPE/HELP lines,
 * OpenMetrics negotiation left out) and the standard process and Node.js
 * metrics (CPU, memory, event-loop lag), which matter for a scanner that
 * saturates its event loop.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';
import { Counter, Gauge, type Metric, Registry, collectDefaultMetrics } from 'prom-client';
import { ShardscanError, errnoCode, messageOf, quote } from '../errors.js';
import { PORT_STATES } from '../model/states.js';
import { endpoint } from '../targets/ip.js';
import { HIST_BUCKETS, bucketTop } from '../model/histogram.js';
import type { DurationHistogram, ProgressSnapshot, ScanSummary, TimingHistograms } from '../model/summary.js';

export interface MetricsAddress {
  host: string;
  port: number;
}

/**
 * "9464" (loopback), "127.0.0.1:9464", "localhost:9464", "[::1]:9464"; port 0
 * takes a free port (printed when the server starts). Throws E_OPTION.
 */
export function parseMetricsAddress(value: string): MetricsAddress {
  const v = value.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(v) ?? /^()()(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  const host = m ? (m[1] || m[2] || '127.0.0.1') : '';
  // A name that ends in a number is an address mistyped (127.0.0.256), not a name to look up in DNS.
  const badName = m !== null && m[2] !== undefined && m[2] !== '' && !isIPv4(host) && /(^|\.)\d+$/.test(host);
  if (!m || port > 65535 || badName || (m[1] !== undefined && m[1] !== '' && !isIPv6(host))) {
    throw new ShardscanError('E_OPTION', `bad --metrics '${quote(value)}': give HOST:PORT or only a PORT (on loopback), e.g. --metrics 127.0.0.1:9464, --metrics 9464 or --metrics [::1]:9464`);
  }
  return { host, port };
}

/** What the metrics are read from: the running scan. */
export interface MetricsSource {
  summary(): ScanSummary;
  /** Connects in flight in every worker together. */
  inFlight(): number;
  timingHistograms(): TimingHistograms;
  /** The progress line's counters (for how long the report's reader has held the scan). */
  progress(): ProgressSnapshot;
}

interface Snapshot {
  s: ScanSummary;
  inFlight: number;
  timing: TimingHistograms;
  outputWaitMs: number;
}

type Values = (snap: Snapshot) => [Record<string, string>, number][];

/**
 * A metric whose values are read from the scan at each scrape: reset, then
 * filled from `values`. A counter is filled by inc (prom-client counters only
 * go up), a gauge by set.
 */
function readMetric(kind: 'counter' | 'gauge', registry: Registry, name: string, help: string, labelNames: string[], values: Values, now: () => Snapshot | null): void {
  const fill = (reset: () => void, put: (labels: Record<string, string>, v: number) => void): void => {
    const snap = now();
    if (snap === null) return;
    reset();
    for (const [labels, v] of values(snap)) put(labels, v);
  };
  const config = { name, help, labelNames, registers: [registry] };
  if (kind === 'counter') {
    new Counter({ ...config, collect() { fill(() => this.reset(), (l, v) => this.inc(l, Math.max(0, v))); } });
  } else {
    new Gauge({ ...config, collect() { fill(() => this.reset(), (l, v) => this.set(l, v)); } });
  }
}

const one = (v: number): [Record<string, string>, number][] => [[{}, v]];
/** ms → s, without float noise (1.1021800000000002). */
const seconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

/**
 * The `le` bounds served: one per doubling of the scan's own histogram
 * (model/histogram.ts keeps four), 20 µs to ~84 s: 23 buckets and +Inf, not
 * 96, per series. Its last bucket also holds every longer sample, so it is
 * served as +Inf alone. The same on every shard, so a dashboard adds shards
 * bucket by bucket.
 */
const LE: readonly { bucket: number; le: string }[] = Array.from({ length: HIST_BUCKETS / 4 - 1 }, (_, i) => {
  const bucket = 4 * i + 3;
  return { bucket, le: String(Math.round(bucketTop(bucket) * 1e6) / 1e9) };
});

/**
 * A Prometheus histogram read from the scan's bucket counts at each scrape.
 * prom-client's Histogram counts observations one at a time; these arrive
 * already counted (millions of them), so this metric gives the registry its
 * series itself, through get(), which is all a registry reads of a metric.
 */
type Sample = { metricName: string; labels: Record<string, string>; value: number };

class ReadHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => DurationHistogram | null,
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const h = this.read();
    const values: Sample[] = [];
    if (h !== null) {
      let total = 0;
      let b = 0;
      for (const { bucket, le } of LE) {
        for (; b <= bucket; b++) total += h.counts[b] ?? 0;
        values.push({ metricName: `${this.name}_bucket`, labels: { le }, value: total });
      }
      for (; b < h.counts.length; b++) total += h.counts[b]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: total });
      values.push({ metricName: `${this.name}_sum`, labels: {}, value: seconds(h.sumMs) });
      values.push({ metricName: `${this.name}_count`, labels: {}, value: total });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

function readHistogram(registry: Registry, name: string, help: string, read: (snap: Snapshot) => DurationHistogram, now: () => Snapshot | null): void {
  const metric = new ReadHistogram(name, help, () => {
    const snap = now();
    return snap === null ? null : read(snap);
  });
  registry.registerMetric(metric as unknown as Metric);
}

/** The scan's metrics (names documented in README, "Metrics"). */
export function scanRegistry(now: () => Snapshot | null): Registry {
  const r = new Registry();
  collectDefaultMetrics({ register: r });
  readMetric('counter', r, 'shardscan_probes_total', 'Probes decided, by port state (open, closed, filtered, error).', ['state'], ({ s }) => PORT_STATES.map((st) => [{ state: st }, s.counts[st]]), now);
  // Prometheus' naming rules: a count that only goes up is a counter named _total; a gauge is not named _total.
  readMetric('counter', r, 'shardscan_targets_done_total', 'Host×port positions of this shard decided so far (with those a resumed checkpoint held).', [], ({ s }) => one(s.done), now);
  readMetric('gauge', r, 'shardscan_targets', "Host×port positions of this machine's shard.", [], ({ s }) => one(s.probes), now);
  readMetric('gauge', r, 'shardscan_targets_per_second', 'Positions decided per second by this run, on average.', [], ({ s }) => one(s.rate), now);
  readMetric('gauge', r, 'shardscan_elapsed_seconds', 'Time since this run began.', [], ({ s }) => one(seconds(s.elapsedMs)), now);
  readMetric('gauge', r, 'shardscan_window_limit', 'Most connects in flight across all workers (--concurrency).', [], ({ s }) => one(s.concurrency), now);
  readMetric('gauge', r, 'shardscan_in_flight', 'Connects in flight across all workers now.', [], ({ inFlight }) => one(inFlight), now);
  readMetric('gauge', r, 'shardscan_output_wait_seconds', "How long the scan has been held because its report's reader takes nothing (0: not held).", [], ({ outputWaitMs }) => one(seconds(outputWaitMs)), now);
  // Histograms, not quantiles: the shards of a scan add up bucket by bucket (sum by (le)), where quantiles cannot be added.
  readHistogram(r, 'shardscan_rtt_seconds', 'Round-trip times of answers.', ({ timing }) => timing.rtt, now);
  readHistogram(r, 'shardscan_timeout_seconds', 'Per-attempt timeouts that ran out (one sample per attempt with no answer in time).', ({ timing }) => timing.timeout, now);
  readMetric('counter', r, 'shardscan_retries_total', 'Attempts started again after a timeout.', [], ({ s }) => one(s.timing?.retries ?? 0), now);
  readMetric('counter', r, 'shardscan_retries_answered_total', 'Retries that got an answer (a probe had been lost).', [], ({ s }) => one(s.timing?.retriesAnswered ?? 0), now);
  readMetric('counter', r, 'shardscan_window_shrinks_total', 'Times a congestion window shrank, by reason.', ['reason'], ({ s }) => Object.entries(s.timing?.windowShrinks ?? {}).map(([reason, n]) => [{ reason }, n]), now);
  readMetric('counter', r, 'shardscan_window_shrinks_undone_total', 'Window shrinks undone: the probes sent after them lost as large a share (random loss), or most went unanswered (behind firewalls).', [], ({ s }) => one(s.timing?.windowShrinksUndone ?? 0), now);
  readMetric('counter', r, 'shardscan_hosts_given_up_total', 'Hosts --host-timeout gave up on.', [], ({ s }) => one(s.timing?.hostsGivenUp ?? 0), now);
  readMetric('counter', r, 'shardscan_retry_cap_hits_total', 'Ports decided filtered at the --max-retries cap while retries were still answered.', [], ({ s }) => one(s.timing?.retryCapHits ?? 0), now);
  readMetric('counter', r, 'shardscan_ports_held_total', 'Positions held while their host, which had answered, was silent (an outage): tried again once it answered.', [], ({ s }) => one(s.timing?.portsHeld ?? 0), now);
  readMetric('counter', r, 'shardscan_local_events_total', "The scanner's own events (EMFILE, self-connect, worker-crash, ...), never port states.", ['event'], ({ s }) => Object.entries(s.events).map(([event, n]) => [{ event }, n]), now);
  readMetric('gauge', r, 'shardscan_scan_info', 'The scan being run (value 1).', ['scan_key', 'seed', 'shard'], ({ s }) => [[{ scan_key: s.scanKey, seed: String(s.seed), shard: `${s.shard.index}/${s.shard.total}` }, 1]], now);
  return r;
}

/** The /metrics endpoint of one scan. */
export class MetricsServer {
  private source: MetricsSource | null = null;
  private snap: Snapshot | null = null;
  private readonly registry = scanRegistry(() => this.snap);

  private constructor(private readonly server: Server) {}

  /** Listen on `addr`; throws E_OUTPUT (exit 2) when the address cannot be served. */
  static async start(addr: MetricsAddress): Promise<MetricsServer> {
    const server = createServer();
    const ms = new MetricsServer(server);
    server.on('request', (req, res) => void ms.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: addr.host, port: addr.port }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new ShardscanError('E_OUTPUT', `cannot serve --metrics on ${endpoint(addr.host, addr.port)}: ${errnoCode(err) ?? messageOf(err)}`);
    });
    // A scan that ends, however it ends, must let the process exit.
    server.unref();
    server.on('error', () => undefined);
    return ms;
  }

  /** The URL it serves, with the port the kernel chose for port 0. */
  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${endpoint(a.address, a.port)}/metrics`;
  }

  /** Among the scan's targets it answers as an open port: said, so it is not taken for a finding (null: not scanned). */
  scannedNote(targets: { indexOf(address: string): number }, ports: { indexOf(port: number): number }): string | null {
    const a = this.server.address() as AddressInfo;
    if (targets.indexOf(a.address) < 0 || ports.indexOf(a.port) < 0) return null;
    return `${a.address} port ${a.port} is this scan's own --metrics server: it will show as open`;
  }

  /** Start reading the scan (before this, /metrics has only the process metrics). */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('shardscan serves /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      // One snapshot per scrape: every metric reads the same moment.
      this.snap = this.source ? { s: this.source.summary(), inFlight: this.source.inFlight(), timing: this.source.timingHistograms(), outputWaitMs: this.source.progress().outputWaitMs ?? 0 } : null;
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${messageOf(err)}\n`);
    }
  }
}

/** Start the server for --metrics (null when not given) and say where it is. */
export async function serveMetrics(value: string | undefined, quiet: boolean): Promise<MetricsServer | null> {
  if (value === undefined) return null;
  const addr = parseMetricsAddress(value);
  const server = await MetricsServer.start(addr);
  // With port 0 the URL is news even to a quiet user.
  if (!quiet || addr.port === 0) process.stderr.write(`shardscan: metrics at ${server.url}\n`);
  return server;
}

/** Run `fn` with the --metrics server (null when not given), closing it however `fn` ends. */
export async function withMetrics<T>(value: string | undefined, quiet: boolean, fn: (server: MetricsServer | null) => Promise<T>): Promise<T> {
  const server = await serveMetrics(value, quiet);
  try {
    return await fn(server);
  } finally {
    await server?.close();
  }
}
