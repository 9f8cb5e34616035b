/**
 * Formats that group records per host, like nmap's: the text report and the
 * greppable -oG lines. They print hosts in address order, from HostGroups
 * (host-groups.ts), which sorts the shown records in bounded memory.
 */
import type { ScanSummary } from '../model/summary.js';
import { HELD_HERE_ERRNOS, NO_ROUTE_ERRNOS } from '../classify.js';
import { escapeControls } from '../errors.js';
import { tlsText, versionText } from '../model/service.js';
import { PORT_STATES } from '../model/states.js';
import type { ProbeRecord } from '../model/record.js';
import { serviceName } from '../ports/services.js';
import { type HostRecords, addressKey, reportGroups } from './host-groups.js';
import type { ReportContext, ReportWriter } from './report.js';

/** "Not shown: 65532 closed, 1 filtered" for the states the report hides. */
function notShownLine(ctx: ReportContext, host: string, shown: number, stopped: boolean): string {
  const counts = ctx.hostCounts(host);
  const hidden = PORT_STATES.filter((s) => !ctx.states.includes(s));
  if (hidden.length === 0) return '';
  if (counts === null) {
    const n = ctx.ports - shown;
    // Unknown per host: after an early stop some of these were never probed (a resumed run said 65495 for 47,803 probed).
    return n > 0 ? `Not shown: ${stopped ? 'up to ' : ''}${n} ${hidden.join('/')} ports${stopped ? ' (the scan stopped before it probed them all)' : ''}\n` : '';
  }
  const parts = hidden.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? `Not shown: ${parts.join(', ')}\n` : '';
}

/**
 * Whether --host-timeout gave up on the host: the scan knows, or (a resume, a
 * merge) one of its shown records says so, when `error` records are shown.
 * nmap marks such a host `timedout="true"` (xml) and `Status: Timeout` (grep).
 */
export function givenUp(ctx: ReportContext, host: string, records: HostRecords): boolean {
  const known = ctx.hostGivenUp?.(host) ?? null;
  // Known: no pass over the records (a /14 with every record shown would parse each line once more).
  if (known !== null) return known;
  if (!ctx.states.includes('error')) return false;
  for (const r of records) if (r.reason === 'host-timeout') return true;
  return false;
}

/**
 * Why no probe to the host left this machine (every port an error: no route,
 * a prohibit route, the scanner's own failures), or null when one may have.
 * grep and xml said `Status: Up` / state="up" of such a host, where the text
 * report says it was never reached; they now say what nmap says of a host it
 * did not probe (-sL): Unknown, with this as the reason (`no-route` or
 * `local-error`). Needs the host's counts, or (a resume) all its ports shown;
 * a host --host-timeout gave up on is hostStatus's to check first.
 */
function neverReached(ctx: ReportContext, s: ScanSummary, host: string, records: HostRecords): string | null {
  const c = ctx.hostCounts(host);
  let reasons: string[] | null = [];
  if (c !== null) {
    if (c.error === 0 || c.open + c.closed + c.filtered > 0) return null;
    const r = ctx.hostReasons?.(host) ?? null;
    reasons = r === null ? null : Object.keys(r.error);
  } else {
    if (!ctx.states.includes('error') || records.length < ctx.ports) return null;
    for (const r of records) {
      if (r.state !== 'error' || r.reason === 'host-timeout') return null;
      reasons.push(r.reason);
    }
  }
  // Reasons not known per host: no-route when every error of the scan was one.
  const noRoute = reasons === null ? (s.events['no-route'] ?? 0) >= s.counts.error : reasons.every((r) => NO_ROUTE_ERRNOS.has(r) || HELD_HERE_ERRNOS.has(r));
  return noRoute ? 'no-route' : 'local-error';
}

/**
 * A host's status line in grep and xml: `timedOut` when --host-timeout gave up
 * on it (givenUp), else `unreached` says why no probe to it left this machine
 * (neverReached), or is null for a host that is up (nmap -Pn: user-set).
 */
export function hostStatus(ctx: ReportContext, s: ScanSummary, host: string, records: HostRecords): { timedOut: boolean; unreached: string | null } {
  const timedOut = givenUp(ctx, host, records);
  return { timedOut, unreached: timedOut ? null : neverReached(ctx, s, host, records) };
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

/**
 * Hosts --host-timeout gave up on are counted above as hosts with nothing
 * shown, where nmap skips them: "1 of 1 hosts have no open ports" was all a
 * report said of a host cut short with 7 ports open. Said, with where their
 * unprobed ports are, and which they are (up to GIVEN_UP_NAMED) where the
 * scan knows: a host with nothing shown has no section to say it in.
 */
function givenUpLine(ctx: ReportContext, s: ScanSummary): string {
  const n = s.timing?.hostsGivenUp ?? 0;
  if (n === 0) return '';
  const named: string[] = [];
  if (ctx.hostGivenUp !== undefined) {
    for (const host of ctx.scannedHosts?.() ?? []) {
      if (ctx.hostGivenUp(host) !== true) continue;
      if (named.length === GIVEN_UP_NAMED) {
        named.push('…');
        break;
      }
      named.push(host);
    }
  }
  return `${n === 1 ? '1 host was' : `${n} hosts were`} given up (--host-timeout)${named.length > 0 ? `, ${named.join(', ')}` : ''}: the ports not probed by then are unknown, open ones too (records in state error, reason host-timeout)\n`;
}

/** The most hosts the given-up line names. */
const GIVEN_UP_NAMED = 10;

/**
 * The line for hosts with nothing shown. A scan that stopped early did not
 * probe every host: "65536 of 65536 hosts have no open ports" counted the
 * 24,112 never probed. Then the hosts probed are counted when known, and the
 * line says the rest were not scanned.
 */
function quietLine(ctx: ReportContext, s: ScanSummary, shown: number): string {
  const states = ctx.states.join('/');
  const whole = s.status === 'complete' && !oneShardOf(s);
  // Asked for only when needed: it walks every host.
  const scanned = whole && s.counts.error === 0 ? null : (ctx.scannedHosts?.() ?? null);
  // Hosts no probe reached are not "hosts with no open ports": nothing was learned of them.
  const { probed, unreached } = scanned === null ? { probed: 0, unreached: 0 } : tally(ctx, scanned, s.counts.error > 0);
  const never = unreached > 0 ? `${unreached} of ${whole ? s.hosts : probed} hosts were never reached: every connect to them failed on this machine (see the local events); nothing is known of their ports\n` : '';
  if (whole) {
    const quiet = s.hosts - shown - unreached;
    return (quiet > 0 ? `\n${quiet} of ${s.hosts} hosts have no ${states} ports (not listed)\n` : '') + (never ? `\n${never}` : '');
  }
  if (s.status === 'complete') {
    // One shard of several probed some of the scan's hosts: "2 of 2 hosts" was said by a shard that probed none.
    if (scanned === null) return `\nthe other hosts this shard probed have no ${states} ports (not listed)\n`;
    const quiet = probed - shown - unreached;
    return (quiet > 0 ? `\n${quiet} of ${probed} hosts this shard probed have no ${states} ports (not listed)\n` : '') + (never ? `\n${never}` : '');
  }
  if (scanned === null) return stoppedUnknownLine(s, shown, states);
  const quiet = probed - shown - unreached;
  const unprobed = s.hosts - probed;
  const stopped = unprobed > 0 ? `${unprobed} of ${s.hosts} hosts were not probed: the scan stopped early` : `the scan stopped early, before it probed every port of every host`;
  return `\n${quiet > 0 ? `${quiet} of ${probed} hosts probed have no ${states} ports (not listed); ` : ''}${stopped}\n${never}`;
}

/**
 * The quiet line of a stopped scan that does not know which hosts it probed
 * (a resume keeps no per-host counts). "the other hosts probed have no open
 * ports (not listed); the scan stopped before it probed every host" was said
 * of a one-host scan whose host was listed, and of one whose host was probed.
 * Now: the hosts not listed, if any, as what they may be; with one host and a
 * probe decided, that host was probed.
 */
function stoppedUnknownLine(s: ScanSummary, shown: number, states: string): string {
  const stop = 'the scan stopped early, before it probed every port of every host';
  const others = s.hosts - shown;
  if (others <= 0) return `\n${stop}\n`;
  if (s.hosts === 1 && s.done > 0) return `\n1 of 1 hosts probed have no ${states} ports (not listed); ${stop}\n`;
  return `\n${others} of ${s.hosts} hosts are not listed: none of the ports probed on them is ${states.replace(/\//g, ' or ')}, or the scan stopped before it probed them\n`;
}

/**
 * The hosts with a decided probe (`scanned` is walked once: it may be a
 * generator), and of them those whose every probe failed on this machine (no
 * route, no source address) when `errors` and such records are not shown.
 */
function tally(ctx: ReportContext, scanned: Iterable<string>, errors: boolean): { probed: number; unreached: number } {
  const look = errors && !ctx.states.includes('error');
  let probed = 0;
  let unreached = 0;
  for (const host of scanned) {
    probed++;
    const c = look ? ctx.hostCounts(host) : null;
    if (c !== null && c.error > 0 && c.open + c.closed + c.filtered === 0) unreached++;
  }
  return { probed, unreached };
}

/** nmap-like report: per host a table of the shown ports and a Not shown line. */
export function textWriter(ctx: ReportContext): ReportWriter {
  const groups = reportGroups(ctx);
  return {
    start: () => '',
    batch(batch) {
      groups.add(batch);
      return '';
    },
    abort: () => groups.discard(),
    *end() {
      const s = ctx.summary();
      yield `shardscan ${ctx.version} scan report (seed ${ctx.seed}, ${ctx.order} order), started ${ctx.startedAt}\n`;
      let shown = 0;
      for (const [host, records] of groups.groups()) {
        shown++;
        const name = ctx.hostName?.(host) ?? null;
        const cut = givenUp(ctx, host, records) ? 'Given up (--host-timeout): the ports not probed by then are unknown\n' : '';
        // nmap's words: scripts written for nmap's normal output (awk '/^Nmap scan report for/', nmaptocsv) find each host by this line.
        yield `\nNmap scan report for ${name === null ? host : `${name} (${host})`}\n${cut}${notShownLine(ctx, host, records.length, s.status !== 'complete')}`;
        // The columns' widths, in a first pass (the records are parsed again for the rows: see HostRecords).
        let width = 9;
        let svcWidth = 8;
        for (const r of records) {
          width = Math.max(width, `${r.port}/tcp`.length + 1);
          svcWidth = Math.max(svcWidth, r.service.length + 1);
        }
        // With --banners, nmap -sV's VERSION column, and the certificate under a TLS port.
        yield `${pad('PORT', width)}${pad('STATE', 9)}${pad('SERVICE', svcWidth)}${pad('REASON', 13)}${ctx.banners ? `${pad('RTT', 10)}VERSION` : 'RTT'}\n`;
        for (const r of records) {
          const rtt = `${r.rttMs.toFixed(2)}ms`;
          yield `${pad(`${r.port}/tcp`, width)}${pad(r.state, 9)}${pad(r.service, svcWidth)}${pad(r.reason, 13)}${ctx.banners ? `${pad(rtt, 10)}${versionText(r)}`.trimEnd() : rtt}\n`;
          if (ctx.banners && r.tls) yield `|_tls: ${tlsText(r.tls)}\n`;
        }
      }
      const status = s.status === 'complete' ? 'done' : `INTERRUPTED (${s.stopReason}): partial results`;
      const quiet = quietLine(ctx, s, shown);
      // After the last port row, a blank line first (the quiet line brings its own).
      const cut = givenUpLine(ctx, s);
      yield `${quiet}${quiet === '' && cut !== '' ? '\n' : ''}${cut}\nshardscan ${status}: ${s.hosts} host${s.hosts === 1 ? '' : 's'} × ${s.ports} port${s.ports === 1 ? '' : 's'}, ${s.done} of ${s.probes} probes in ${(s.elapsedMs / 1000).toFixed(2)} s\n`;
    },
  };
}

/** The summary of one shard of several: it probed some of the scan's hosts, and its report counts those. */
export const oneShardOf = (s: ScanSummary): boolean => (s.shard?.total ?? 1) > 1; // a summary a library user built may have no shard

/**
 * The hosts up, as nmap -Pn counts them (grep and xml): every host scanned,
 * listed or not (--open lists some), so all of them in a complete scan; in a
 * stopped one, or one shard of several, those `listed` when every host probed
 * is, else unknown (null).
 */
export function hostsUp(s: ScanSummary, listed: number, listedOnly: boolean): number | null {
  if (s.status === 'complete' && !oneShardOf(s)) return s.hosts;
  return listedOnly ? null : listed;
}

/** The addresses a report says were scanned: the scan's hosts, or, for one shard of several, the `up` it probed when known. */
export const addressesScanned = (s: ScanSummary, up: number | null): number => (oneShardOf(s) && up !== null ? up : s.hosts);

/** Hosts with shown records, and the other scanned hosts, merged in address order (grep and xml). */
export function* grepHosts(grouped: Iterable<[string, HostRecords]>, scanned: Iterable<string> | null): Generator<[string, HostRecords]> {
  if (scanned === null) {
    yield* grouped;
    return;
  }
  const groups = grouped[Symbol.iterator]();
  let g = groups.next();
  let gKey = g.done ? '' : addressKey(g.value[0]);
  const advance = (): void => {
    g = groups.next();
    if (!g.done) gKey = addressKey(g.value[0]);
  };
  for (const host of scanned) {
    const key = addressKey(host);
    for (; !g.done && gKey < key; advance()) yield g.value;
    if (!g.done && g.value[0] === host) {
      yield g.value;
      advance();
    } else {
      yield [host, []];
    }
  }
  for (; !g.done; advance()) yield g.value;
}

/**
 * nmap's greppable format (-oG), as nmap -Pn writes it: for every host
 * scanned a `Status: Up` line (Unknown for one never reached, Timeout for
 * one given up: see hostStatus) and a `Ports:` line with the shown ports and
 * `Ignored State: closed (N)` for the rest. Where per-host counts are not
 * known (a resume, a merge of open records: see everyHostOf), a host with no
 * shown port has its Status line alone, and no host an Ignored State; over
 * MAX_LISTED_HOSTS hosts, or for part of a scan, only hosts with a shown
 * port are listed.
 */
export function grepWriter(ctx: ReportContext): ReportWriter {
  const groups = reportGroups(ctx);
  return {
    // A control character in the command line (a newline in a file name) would end the comment line early.
    start: () => `# shardscan ${ctx.version} scan initiated ${ctx.startedAt} as: ${escapeControls(ctx.command)}\n`,
    batch(batch) {
      groups.add(batch);
      return '';
    },
    abort: () => groups.discard(),
    *end() {
      const s = ctx.summary();
      let up = 0;
      let unreached = 0;
      const scanned = ctx.scannedHosts?.() ?? null;
      for (const [host, records] of grepHosts(groups.groups(), scanned)) {
        const counts = ctx.hostCounts(host);
        const hidden = PORT_STATES.filter((st) => !ctx.states.includes(st) && counts !== null && counts[st] > 0);
        // One state only, as nmap writes it ("Grepable output supports only one ignored state", output.cc): parsers
        // read `Ignored State: (\w+) \((\d+)\)`, and "closed (3), filtered (1)" gave them 3 of 4 ports. Two or more: none.
        const ignored = hidden.length === 1 && counts ? `\tIgnored State: ${hidden[0]!} (${counts[hidden[0]!]})` : '';
        const name = ctx.hostName?.(host) ?? '';
        const st = hostStatus(ctx, s, host, records);
        const status = st.timedOut ? 'Timeout' : st.unreached !== null ? 'Unknown' : 'Up';
        up++;
        if (st.unreached !== null) unreached++;
        // Nothing known of its ports (no record shown, no counts): the Status line alone, as nmap writes a host it scanned no ports of.
        if (counts === null && records.length === 0) {
          yield `Host: ${host} (${name})\tStatus: ${status}\n`;
          continue;
        }
        // A host given up keeps its Ports line (nmap drops it): what was found before is as true as any record.
        yield `Host: ${host} (${name})\tStatus: ${status}\nHost: ${host} (${name})\tPorts: `;
        // The Ports line of a host with 65,535 shown ports is ~2 MB: it goes out a port at a time.
        let sep = '';
        for (const r of records) {
          yield `${sep}${r.port}/${r.state}/tcp//${grepService(r)}//${versionText(r).replace(/[/,]/g, '|')}/`;
          sep = ', ';
        }
        yield `${ignored}\n`;
      }
      const listed = hostsUp(s, up, scanned === null);
      const total = addressesScanned(s, listed);
      // Hosts never reached are not up (nmap counts those it did not probe as down).
      const n = listed === null ? null : listed - unreached;
      const addresses = `${total} IP address${total === 1 ? '' : 'es'}${n === null ? '' : ` (${n} host${n === 1 ? '' : 's'} up)`}`;
      yield `# shardscan done at ${ctx.endedAt ?? new Date().toISOString()} -- ${addresses} scanned in ${(s.elapsedMs / 1000).toFixed(2)} seconds${s.status === 'complete' ? '' : ' (interrupted)'}\n`;
    },
  };
}

/** Names --banners gives a service found inside TLS (the banner table's tlsNames), back to the one inside, as nmap names it. */
const INSIDE_TLS: Readonly<Record<string, string>> = { https: 'http', smtps: 'smtp', imaps: 'imap', pop3s: 'pop3', ftps: 'ftp' };

/**
 * Whether a record's service runs over TLS: it showed a certificate, or it is `tls` without one (a handshake refused
 * with an alert, or a TLS answer to plain text): written as nmap writes ssl/… (helper 19: such a record was
 * name="tls" with no tunnel in XML, and "tls" in grep).
 */
export function overTls(r: ProbeRecord): boolean {
  return r.tls !== undefined || r.service === 'tls';
}

/** The service a TLS record names inside its tunnel, as nmap does (https: http); null when nothing was named inside. */
export function insideTls(r: ProbeRecord): string | null {
  if (r.service === 'tls') return null;
  return r.service.startsWith('tls/') ? r.service.slice(4) : (INSIDE_TLS[r.service] ?? r.service);
}

/**
 * A record's service field in the greppable format, as nmap writes it: a TLS
 * service is ssl|name. A '/' or ',' would split the port's fields (tls/ssh
 * was read as service tls, rpc info ssh), so they become '|', as in versions.
 */
function grepService(r: ProbeRecord): string {
  const name = overTls(r) ? `ssl|${insideTls(r) ?? serviceName(r.port)}` : r.service === 'unknown' ? '' : r.service;
  return name.replace(/[/,]/g, '|');
}
