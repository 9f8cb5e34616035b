/**
 * nmap's XML format (-oX), so that what reads nmap XML reads ours: nmap.xsl,
 * ndiff, python-libnmap, vulnerability-management importers. It validates
 * against nmap's own DTD (nmap.dtd), which fixes the order of the elements and
 * the `scanner="nmap"` attribute; shardscan names itself in the comment above
 * it and in `args` (`version` is shardscan's, a plain dotted number as importers expect).
 *
 * Like the text report it groups ports per host: shown records are sorted by
 * host in bounded memory (host-groups.ts spills sorted runs to TMPDIR), and
 * hosts are written in address order when the scan ends. The closing part is
 * written on a stop too, so the file stays valid after Ctrl+C; `runstats`
 * then says exit="error".
 */
import type { ProbeRecord } from '../model/record.js';
import type { StateReasons } from '../model/reasons.js';
import type { ScanSummary } from '../model/summary.js';
import { PORT_STATES, type PortState, type StateCounts } from '../model/states.js';
import { moreNamesText } from '../model/service.js';
import { serviceName } from '../ports/services.js';
import { type HostRecords, reportGroups } from './host-groups.js';
import { addressesScanned, grepHosts, hostStatus, hostsUp, insideTls, overTls } from './hosts.js';
import type { ReportContext, ReportWriter } from './report.js';

/**
 * Our reasons (errno names, `timeout`) → nmap's reason strings, as nmap's
 * connect scan names them (scan_engine_connect.cc). A reason nmap has no name
 * for (EPERM from a local firewall rule) is kept as ours.
 */
export const NMAP_REASONS: Readonly<Record<string, string>> = Object.freeze({
  'syn-ack': 'syn-ack',
  // The handshake completed and the service reset it before we saw it: for nmap, an accepted connection.
  ECONNRESET: 'syn-ack',
  ECONNREFUSED: 'conn-refused',
  timeout: 'no-response',
  ETIMEDOUT: 'no-response',
  EHOSTDOWN: 'no-response',
  EHOSTUNREACH: 'host-unreach',
  ENETUNREACH: 'net-unreach',
  EACCES: 'admin-prohibited',
  ENOPROTOOPT: 'proto-unreach',
  ENONET: 'dest-unreach',
});

/**
 * nmap's reason for one of ours, in a port of state `state`. An `error` port
 * keeps ours (the errno, as every other format writes it): its EHOSTUNREACH or
 * EACCES came from this machine (no route, a prohibit route), and nmap's
 * host-unreach or admin-prohibited would tell an XML reader the network answered.
 */
export function nmapReason(reason: string, state?: PortState): string {
  return state === 'error' ? reason : (NMAP_REASONS[reason] ?? reason);
}

// XML 1.0 cannot carry these at all, not even as character references.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Any character xmlAttr changes: most values (addresses, states, reasons) have none, and need none of its eight passes. */
const XML_SPECIAL = /[&<>"\u0000-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Text for an attribute value: markup escaped, characters XML cannot hold as visible \uXXXX escapes. */
export function xmlAttr(value: string | number): string {
  const text = String(value);
  if (!XML_SPECIAL.test(text)) return text;
  return text
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xa;')
    .replace(/\r/g, '&#xd;');
}

/** ctime(3)'s form, as nmap writes startstr and timestr: "Tue Dec  1 02:36:20 2026" (local time). */
export function ctime(d: Date): string {
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()]!;
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()]!;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${day} ${mon} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

const unixSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

function isV6(host: string): boolean {
  return host.includes(':');
}

/**
 * The service element: the port table's guess (method table, conf 3) or what
 * --banners found (probed, conf 10). A port the table does not name gets none,
 * as in nmap's own XML. TLS with nothing named inside is the table's guess in
 * the tunnel (nmap -sV: name="https-alt" tunnel="ssl" method="table").
 */
function serviceElement(r: ProbeRecord): string {
  let probed = r.serviceSource === 'probe';
  if (!probed && r.service === 'unknown') return '';
  let name = r.service;
  let tunnel = '';
  // TLS services: nmap names the service inside and marks the tunnel (ssl/http): name="http" tunnel="ssl", not https.
  if (overTls(r)) {
    tunnel = ' tunnel="ssl"';
    const inside = insideTls(r);
    // Nothing named inside: nmap gives the port table's name (or unknown) in the tunnel, from the table.
    if (inside === null) probed = false;
    name = inside ?? serviceName(r.port);
  }
  let attrs = `name="${xmlAttr(name)}"`;
  if (r.product) attrs += ` product="${xmlAttr(r.product)}"`;
  if (r.version) attrs += ` version="${xmlAttr(r.version)}"`;
  if (r.extraInfo) attrs += ` extrainfo="${xmlAttr(r.extraInfo)}"`;
  return `<service ${attrs}${tunnel} method="${probed ? 'probed' : 'table'}" conf="${probed ? 10 : 3}"/>`;
}

/** --banners' certificate and first answer, as nmap's ssl-cert and banner scripts show them. */
function scripts(r: ProbeRecord): string {
  let out = '';
  if (r.tls) {
    // nmap's keys: an organisation named where the certificate has no CN is organizationName, not commonName.
    const lines = [`Subject: ${r.tls.subjectField ?? 'commonName'}=${r.tls.subject ?? ''}`];
    const names = r.tls.names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP Address:${n}` : `DNS:${n}`));
    // A cut list says so (nmap's ssl-cert lists every name; shardscan keeps the first 32).
    if (r.tls.moreNames !== undefined) names.push(moreNamesText(r.tls));
    if (names.length > 0) lines.push(`Subject Alternative Name: ${names.join(', ')}`);
    lines.push(`Issuer: ${r.tls.issuerField ?? 'commonName'}=${r.tls.issuer ?? ''}`);
    if (r.tls.notAfter) lines.push(`Not valid after:  ${r.tls.notAfter.replace(/\.\d+Z$/, '')}`);
    out += `<script id="ssl-cert" output="${xmlAttr(lines.join('\n'))}"/>`;
  }
  if (r.banner) out += `<script id="banner" output="${xmlAttr(r.banner)}"/>`;
  return out;
}

function portElement(r: ProbeRecord): string {
  return `<port protocol="tcp" portid="${r.port}"><state state="${r.state}" reason="${xmlAttr(nmapReason(r.reason, r.state))}" reason_ttl="0"/>${serviceElement(r)}${scripts(r)}</port>\n`;
}

/** A state's one nmap reason, known without per-host reasons: a closed port is always refused, an open one completed a handshake. */
const CERTAIN_REASON: Partial<Record<PortState, string>> = { open: 'syn-ack', closed: 'conn-refused' };

/**
 * A hidden state's `<extrareasons>`, as nmap writes them: one per nmap
 * reason, the most common first (filtered: no-response for silent ports,
 * host-unreach and the like for ICMP errors; error: our errnos, see
 * nmapReason). nmap also names the ports
 * (`ports="1-40"`); only their count is known here. Without per-host reasons
 * (a resume, some merges), only a certain reason is given.
 */
function extraReasons(s: PortState, count: number, reasons: StateReasons | null): string {
  const byName = new Map<string, number>();
  if (reasons !== null) {
    for (const [r, n] of Object.entries(reasons[s])) {
      const name = nmapReason(r, s);
      byName.set(name, (byName.get(name) ?? 0) + n);
    }
  }
  else if (CERTAIN_REASON[s] !== undefined) byName.set(CERTAIN_REASON[s], count);
  const sorted = [...byName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return sorted.map(([r, n]) => `\n<extrareasons reason="${xmlAttr(r)}" count="${n}" proto="tcp"/>`).join('') + (sorted.length > 0 ? '\n' : '');
}

/** `<extraports>` for each hidden state with ports, with their reasons. */
function extraPorts(counts: StateCounts | null, reasons: StateReasons | null, shown: readonly PortState[]): string {
  if (counts === null) return '';
  let out = '';
  for (const s of PORT_STATES) {
    if (shown.includes(s) || counts[s] === 0) continue;
    out += `<extraports state="${s}" count="${counts[s]}">${extraReasons(s, counts[s], reasons)}</extraports>\n`;
  }
  return out;
}

/** The name the user typed for the host, as nmap writes it (type "user"); nothing without one. */
const hostnameElement = (name: string | null): string => (name === null ? '' : `<hostname name="${xmlAttr(name)}" type="user"/>\n`);

/**
 * A host's element, a port at a time: a host with 65,535 shown ports is a few
 * MB of text. `st` (hostStatus): a host no probe to it left this machine for
 * is unknown, as nmap says of a host it did not probe, not up.
 */
function* hostElement(ctx: ReportContext, host: string, records: HostRecords, st: ReturnType<typeof hostStatus>): Generator<string> {
  const status = st.unreached === null ? 'state="up" reason="user-set"' : `state="unknown" reason="${xmlAttr(st.unreached)}"`;
  yield `<host${st.timedOut ? ' timedout="true"' : ''}><status ${status} reason_ttl="0"/>\n<address addr="${xmlAttr(host)}" addrtype="${isV6(host) ? 'ipv6' : 'ipv4'}"/>\n<hostnames>\n${hostnameElement(ctx.hostName?.(host) ?? null)}</hostnames>\n<ports>`;
  yield extraPorts(ctx.hostCounts(host), ctx.hostReasons?.(host) ?? null, ctx.states);
  for (const r of records) yield portElement(r);
  yield '</ports>\n</host>\n';
}

/** `<runstats>`: when and how the scan ended, and the hosts counted (`unreached`: hosts never reached, counted down, as nmap counts hosts it did not probe). */
function runstats(s: ScanSummary, listed: number, unreached: number, listedOnly: boolean, endedAt: string | undefined): string {
  const ended = endedAt === undefined ? new Date() : new Date(endedAt);
  const elapsed = (s.elapsedMs / 1000).toFixed(2);
  const done = s.status === 'complete';
  // <hosts up> needs a number: when hostsUp cannot tell, the hosts listed, said as such.
  const known = hostsUp(s, listed, listedOnly);
  const up = (known ?? listed) - unreached;
  const total = addressesScanned(s, known);
  const hosts = `${total} IP address${total === 1 ? '' : 'es'} (${up} host${up === 1 ? '' : 's'} ${known === null ? 'with shown ports' : 'up'})`;
  const why = done ? '' : s.stopReason === 'time-limit' ? 'stopped by --max-time' : s.stopReason === 'output-closed' ? 'the output was closed' : s.stopReason === 'error' ? 'stopped by an error' : s.stopReason === 'shards-missing' ? 'merged without every shard' : s.stopReason === 'unfinished' ? 'merged with a shard that had not finished' : 'interrupted';
  const summary = `shardscan done at ${ended.toISOString()}; ${hosts} scanned in ${elapsed} seconds${done ? '' : `; ${why}: partial results, ${s.done} of ${s.probes} probes`}`;
  const exit = done ? 'exit="success"' : `exit="error" errormsg="${xmlAttr(`${why} (${s.stopReason}): partial results`)}"`;
  // up + down = total, as nmap writes it: where the hosts listed stand in for the hosts up, the total is those and the
  // hosts never reached (a partial merge wrote up="2" down="0" total="4", and python-libnmap read two scanned hosts as down).
  // So too for a scan that stopped: the hosts it had not reached yet are neither (an interrupted /14 wrote up="145252"
  // down="0" total="262145", and a tool's total - up read 116,893 of them as down; helper 24).
  const counted = known === null || !done ? up + unreached : total;
  return `<runstats><finished time="${unixSeconds(ended)}" timestr="${xmlAttr(ctime(ended))}" summary="${xmlAttr(summary)}" elapsed="${elapsed}" ${exit}/><hosts up="${up}" down="${unreached}" total="${counted}"/>\n</runstats>\n`;
}

/**
 * nmap XML. Every scanned host is up with reason user-set, as nmap -Pn reports
 * it (shardscan never pings), except a host no probe reached (unknown, as nmap
 * says of a host it did not probe); where per-host counts are known, hosts with no
 * shown port are listed too, with `<extraports>` for the hidden states.
 * Without counts, a whole scan that completed lists every host too (see
 * everyHostOf), with the ports it shows; elsewhere (very large scans, part of
 * a scan) only hosts with a shown port are, and runstats counts those as up.
 */
export function xmlWriter(ctx: ReportContext): ReportWriter {
  const groups = reportGroups(ctx);
  const started = new Date(ctx.startedAt);
  return {
    start() {
      const services = ctx.portSpec ?? '';
      return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?>\n' +
        `<!-- shardscan ${xmlAttr(ctx.version)} scan initiated ${ctx.startedAt}, as: see args (a comment cannot hold a double hyphen) -->\n` +
        `<nmaprun scanner="nmap" args="${xmlAttr(ctx.command)}" start="${unixSeconds(started)}" startstr="${xmlAttr(ctime(started))}" version="${xmlAttr(ctx.version)}" xmloutputversion="1.05">\n` +
        `<scaninfo type="connect" protocol="tcp" numservices="${ctx.ports}" services="${xmlAttr(services)}"/>\n<verbose level="0"/>\n<debugging level="0"/>\n`
      );
    },
    batch(batch) {
      groups.add(batch);
      return '';
    },
    abort: () => groups.discard(),
    *end() {
      const s = ctx.summary();
      const scanned = ctx.scannedHosts?.() ?? null;
      let up = 0;
      let unreached = 0;
      for (const [host, records] of grepHosts(groups.groups(), scanned)) {
        const st = hostStatus(ctx, s, host, records);
        if (st.unreached !== null) unreached++;
        yield* hostElement(ctx, host, records, st);
        up++;
      }
      yield `${runstats(s, up, unreached, scanned === null, ctx.endedAt)}</nmaprun>\n`;
    },
  };
}
