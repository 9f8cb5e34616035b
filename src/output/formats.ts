/**
 * One writer per output format. Each is a plain async function from batches of
 * records to a Writable, honouring back-pressure; none opens a socket or reads
 * scan state except through the ReportContext it is given.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { OutputFormat } from '../config/index.js';
import type { ScanSummary } from '../pool/coordinator.js';
import { parseIPv4, parseIPv6 } from '../targets/ip.js';
import type { PortState, ProbeRecord, StateCounts } from '../types.js';

/** What a report needs besides the records. */
export interface ReportContext {
  version: string;
  /** The command line, for report headers. */
  command: string;
  startedAt: string;
  seed: number;
  order: 'random' | 'serial';
  hosts: number;
  ports: number;
  states: readonly PortState[];
  /** Called once the records have ended. */
  summary(): ScanSummary;
  /** Per-host counts of every state, or null when not tracked (very large scans, or resumed ones). */
  hostCounts(host: string): StateCounts | null;
  /**
   * Every host with at least one decided probe, in address order, or null
   * when that is not known (see scannedHostsOf). Called once the records have
   * ended. The grep format lists these hosts even when none of their ports is shown.
   */
  scannedHosts?(): Iterable<string> | null;
}

export type Batches = AsyncIterable<readonly ProbeRecord[]>;
export type Writer = (batches: Batches, out: Writable, ctx: ReportContext) => Promise<void>;

/** Write with back-pressure; rejects if the stream fails (EPIPE, ENOSPC). */
export async function put(out: Writable, text: string): Promise<void> {
  if (text.length === 0) return;
  if (out.destroyed || out.writableEnded) throw new Error(`output closed${out.errored ? `: ${out.errored.message}` : ''}`);
  if (!out.write(text)) await once(out, 'drain');
}

export const ndjsonLine = (r: ProbeRecord): string =>
  `{"host":${JSON.stringify(r.host)},"port":${r.port},"state":"${r.state}","reason":${JSON.stringify(r.reason)},"rttMs":${r.rttMs},"service":${JSON.stringify(r.service)},"ts":"${r.ts}"}\n`;

const writeNdjson: Writer = async (batches, out) => {
  for await (const batch of batches) await put(out, batch.map(ndjsonLine).join(''));
};

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = 'host,port,state,service,reason,rtt_ms,ts\n';

const writeCsv: Writer = async (batches, out) => {
  await put(out, CSV_HEADER);
  for await (const batch of batches) {
    await put(out, batch.map((r) => [r.host, r.port, r.state, r.service, r.reason, r.rttMs, r.ts].map(csvField).join(',') + '\n').join(''));
  }
};

/**
 * A single JSON document, streamed: the header first, records as they come,
 * the summary last. A stopped scan still ends the document, so it stays valid
 * after Ctrl+C.
 */
const writeJson: Writer = async (batches, out, ctx) => {
  const head = { scanner: 'shardscan', version: ctx.version, command: ctx.command, startedAt: ctx.startedAt, seed: ctx.seed, order: ctx.order, hosts: ctx.hosts, ports: ctx.ports, states: ctx.states };
  await put(out, `{"scan":${JSON.stringify(head)},\n"records":[`);
  let first = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    await put(out, (first ? '\n' : ',\n') + batch.map((r) => ndjsonLine(r).slice(0, -1)).join(',\n'));
    first = false;
  }
  await put(out, `\n],\n"summary":${JSON.stringify(ctx.summary())}}\n`);
};

/** Sort key for addresses: IPv4 before IPv6, numerically. */
function addressKey(host: string): bigint {
  const v4 = parseIPv4(host);
  if (v4 !== null) return BigInt(v4);
  return (1n << 40n) + (parseIPv6(host) ?? 0n);
}

/** Group records per host, ordered by address, then port. Memory grows with shown records only. */
async function groupByHost(batches: Batches): Promise<[string, ProbeRecord[]][]> {
  const hosts = new Map<string, ProbeRecord[]>();
  for await (const batch of batches) {
    for (const r of batch) {
      const list = hosts.get(r.host);
      if (list) list.push(r);
      else hosts.set(r.host, [r]);
    }
  }
  const keyed = [...hosts.entries()].map(([h, list]) => ({ h, list, key: addressKey(h) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ h, list }) => [h, list.sort((a, b) => a.port - b.port)]);
}

const STATE_ORDER: PortState[] = ['open', 'closed', 'filtered', 'error'];

/** "Not shown: 65532 closed, 1 filtered" for the states the report hides. */
function notShownLine(ctx: ReportContext, host: string, shown: number): string {
  const counts = ctx.hostCounts(host);
  const hidden = STATE_ORDER.filter((s) => !ctx.states.includes(s));
  if (hidden.length === 0) return '';
  if (counts === null) {
    const n = ctx.ports - shown;
    return n > 0 ? `Not shown: ${n} ${hidden.join('/')} ports\n` : '';
  }
  const parts = hidden.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? `Not shown: ${parts.join(', ')}\n` : '';
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** nmap-like report: per host a table of the shown ports and a Not shown line. */
const writeText: Writer = async (batches, out, ctx) => {
  const grouped = await groupByHost(batches);
  const s = ctx.summary();
  let text = `shardscan ${ctx.version} scan report (seed ${ctx.seed}, ${ctx.order} order), started ${ctx.startedAt}\n`;
  for (const [host, records] of grouped) {
    text += `\nScan report for ${host}\n${notShownLine(ctx, host, records.length)}`;
    const width = Math.max(9, ...records.map((r) => `${r.port}/tcp`.length + 1));
    const svcWidth = Math.max(8, ...records.map((r) => r.service.length + 1));
    text += `${pad('PORT', width)}${pad('STATE', 9)}${pad('SERVICE', svcWidth)}${pad('REASON', 13)}RTT\n`;
    for (const r of records) {
      text += `${pad(`${r.port}/tcp`, width)}${pad(r.state, 9)}${pad(r.service, svcWidth)}${pad(r.reason, 13)}${r.rttMs.toFixed(2)}ms\n`;
    }
    if (text.length > 65536) {
      await put(out, text);
      text = '';
    }
  }
  const quiet = s.hosts - grouped.length;
  if (quiet > 0) text += `\n${quiet} of ${s.hosts} hosts have no ${ctx.states.join('/')} ports (not listed)\n`;
  const status = s.status === 'complete' ? 'done' : `INTERRUPTED (${s.stopReason ?? 'stopped'}): partial results`;
  text += `\nshardscan ${status}: ${s.hosts} host${s.hosts === 1 ? '' : 's'} × ${s.ports} port${s.ports === 1 ? '' : 's'}, ${s.done} of ${s.probes} probes in ${formatSeconds(s.elapsedMs)}\n`;
  await put(out, text);
};

/**
 * Hosts of a target set with at least one decided probe, in address order,
 * from per-host counts; null when the counts are not kept (over 1,048,576
 * hosts, or a resumed scan), since then it is not known which hosts were scanned.
 */
export function scannedHostsOf(targets: { count: number; at(i: number): string }, counts: (host: string) => StateCounts | null): Iterable<string> | null {
  if (targets.count === 0 || counts(targets.at(0)) === null) return null;
  return (function* scanned() {
    for (let i = 0; i < targets.count; i++) {
      const host = targets.at(i);
      const c = counts(host);
      if (c && c.open + c.closed + c.filtered + c.error > 0) yield host;
    }
  })();
}

/** Hosts with shown records, and the other scanned hosts, merged in address order. */
function* grepHosts(grouped: [string, ProbeRecord[]][], scanned: Iterable<string> | null): Generator<[string, ProbeRecord[]]> {
  if (scanned === null) {
    yield* grouped;
    return;
  }
  let i = 0;
  for (const host of scanned) {
    const key = addressKey(host);
    while (i < grouped.length && addressKey(grouped[i]![0]) < key) yield grouped[i++]!;
    if (i < grouped.length && grouped[i]![0] === host) yield grouped[i++]!;
    else yield [host, []];
  }
  while (i < grouped.length) yield grouped[i++]!;
}

/**
 * nmap's greppable format (-oG), as nmap -Pn writes it: for every host
 * scanned a `Status: Up` line and a `Ports:` line with the shown ports and
 * `Ignored State: closed (N)` for the rest. Where per-host counts are not
 * known (see scannedHostsOf), only hosts with a shown port are listed, and
 * without Ignored State.
 */
const writeGrep: Writer = async (batches, out, ctx) => {
  const grouped = await groupByHost(batches);
  const s = ctx.summary();
  let text = `# shardscan ${ctx.version} scan initiated ${ctx.startedAt} as: ${ctx.command}\n`;
  let up = 0;
  const scanned = ctx.scannedHosts?.() ?? null;
  for (const [host, records] of grepHosts(grouped, scanned)) {
    const ports = records.map((r) => `${r.port}/${r.state}/tcp//${r.service === 'unknown' ? '' : r.service}///`).join(', ');
    const counts = ctx.hostCounts(host);
    const hidden = STATE_ORDER.filter((st) => !ctx.states.includes(st) && counts !== null && counts[st] > 0);
    const ignored = hidden.length > 0 && counts ? `\tIgnored State: ${hidden.map((st) => `${st} (${counts[st]})`).join(', ')}` : '';
    text += `Host: ${host} ()\tStatus: Up\nHost: ${host} ()\tPorts: ${ports}${ignored}\n`;
    up++;
    if (text.length > 65536) {
      await put(out, text);
      text = '';
    }
  }
  // nmap -Pn counts every scanned host as up; unknown when only hosts with shown ports are listed.
  const addresses = `${s.hosts} IP address${s.hosts === 1 ? '' : 'es'}${scanned === null ? '' : ` (${up} host${up === 1 ? '' : 's'} up)`}`;
  text += `# shardscan done at ${new Date().toISOString()} -- ${addresses} scanned in ${(s.elapsedMs / 1000).toFixed(2)} seconds${s.status === 'complete' ? '' : ' (interrupted)'}\n`;
  await put(out, text);
};

export const WRITERS: Readonly<Record<OutputFormat, Writer>> = {
  text: writeText,
  json: writeJson,
  ndjson: writeNdjson,
  csv: writeCsv,
  grep: writeGrep,
};

/** Formats that group by host and want per-host counts for their "not shown" lines. */
export function wantsHostCounts(format: OutputFormat): boolean {
  return format === 'text' || format === 'grep';
}
