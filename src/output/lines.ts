/** Formats that stream a record as it comes: NDJSON, CSV, and one JSON document. */
import type { ProbeRecord } from '../model/record.js';
import { type TlsSummary, moreNamesText } from '../model/service.js';
import type { ReportContext, ReportWriter } from './report.js';

export function ndjsonWriter(): ReportWriter {
  return {
    start: () => '',
    batch: (batch) => batch.ndjson(),
    end: () => [],
  };
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = 'host,port,state,service,reason,rtt_ms,ts\n';
/** With --banners, what detection found, after the usual columns. */
// The certificate's issuer and expiry too, as every other format has them: a CSV of the certificates about to expire could not be made.
export const CSV_BANNER_HEADER = 'host,port,state,service,reason,rtt_ms,ts,service_source,product,version,extra_info,tls_subject,tls_names,tls_issuer,tls_not_after,banner\n';

/**
 * Text a scanned service chose (product, version, certificate names, banner),
 * made inert for a spreadsheet: one that starts as a formula would (= + - @,
 * tab, CR) gets a leading ' (OWASP's advice for CSV injection). "=HYPERLINK(...)"
 * in a banner was a live link once the CSV was opened. Text that starts with '
 * gets one too, so a reader drops exactly one leading ' and has the value:
 * "-ERR x" and "'-ERR x" were the same cell (helper 26).
 */
const inert = (s: string): string => (/^[=+\-@\t\r']/.test(s) ? `'${s}` : s);

/**
 * The certificate's names for one CSV cell: separated by spaces, a space within one written \x20 (the escaped
 * form already doubles a backslash, so this reads back), and the "(+N more)" of a cut list last, as one item.
 * "a b.example" was two names, and "(+8 more)" two more (helper 26).
 */
const csvNames = (t: TlsSummary): string => [...t.names, moreNamesText(t)].filter((n) => n !== '').map((n) => n.replaceAll(' ', '\\x20')).join(' ');

const csvLine = (r: ProbeRecord): string => [r.host, r.port, r.state, r.service, r.reason, r.rttMs, r.ts].map(csvField).join(',') + '\n';
const csvBannerLine = (r: ProbeRecord): string =>
  [
    ...[r.host, r.port, r.state, r.service, r.reason, r.rttMs, r.ts, r.serviceSource ?? ''],
    ...[r.product ?? '', r.version ?? '', r.extraInfo ?? '', r.tls?.subject ?? '', (r.tls ? csvNames(r.tls) : ''), r.tls?.issuer ?? ''].map(inert),
    r.tls?.notAfter ?? '',
    inert(r.banner ?? ''),
  ]
    .map(csvField)
    .join(',') + '\n';

export function csvWriter(banners = false): ReportWriter {
  return {
    start: () => (banners ? CSV_BANNER_HEADER : CSV_HEADER),
    batch: (batch) => batch.records().map(banners ? csvBannerLine : csvLine).join(''),
    end: () => [],
  };
}

/**
 * NDJSON lines → JSON array elements: ",\n" before each line but the very
 * first, no newline after the last. A line holds no raw newline but its end
 * (JSON escapes the rest).
 */
function elements(lines: string, first: boolean): string {
  return (first ? '\n' : ',\n') + lines.slice(0, -1).replace(/\n/g, ',\n');
}

/**
 * A single JSON document, streamed: the header first, records as they come,
 * the summary last. A stopped scan still ends the document, so it stays valid
 * after Ctrl+C.
 */
export function jsonWriter(ctx: ReportContext): ReportWriter {
  let first = true;
  return {
    start() {
      const head = { scanner: 'shardscan', version: ctx.version, command: ctx.command, startedAt: ctx.startedAt, seed: ctx.seed, order: ctx.order, hosts: ctx.hosts, ports: ctx.ports, states: ctx.states };
      return `{"scan":${JSON.stringify(head)},\n"records":[`;
    },
    batch(batch) {
      if (batch.length === 0) return '';
      const text = elements(batch.ndjson(), first);
      first = false;
      return text;
    },
    end: () => [`\n],\n"summary":${JSON.stringify(ctx.summary())}}\n`],
  };
}
