/**
 * The report formats by name. Each is a ReportWriter (report.ts); WRITERS
 * wraps each as a function from batches to a stream, the form merge and the
 * tests use (a scan's own reports go through createWriter).
 */
import type { Writable } from 'node:stream';
import type { OutputFormat } from '../config/index.js';
import { MAX_LISTED_HOSTS } from '../config/limits.js';
import type { StateCounts } from '../model/states.js';
import { grepWriter, textWriter } from './hosts.js';
import { csvWriter, jsonWriter, ndjsonWriter } from './lines.js';
import { type Batches, type ReportContext, type ReportWriter, writeReport } from './report.js';
import { xmlWriter } from './xml.js';

export type { Batches, ReportContext, ReportWriter } from './report.js';

/** A writer for one report in `format`. */
export function createWriter(format: OutputFormat, ctx: ReportContext): ReportWriter {
  switch (format) {
    case 'text':
      return textWriter(ctx);
    case 'grep':
      return grepWriter(ctx);
    case 'json':
      return jsonWriter(ctx);
    case 'ndjson':
      return ndjsonWriter();
    case 'csv':
      return csvWriter(ctx.banners === true);
    case 'xml':
      return xmlWriter(ctx);
  }
}

export type Writer = (batches: Batches, out: Writable, ctx: ReportContext) => Promise<void>;

const writerFor = (format: OutputFormat): Writer => (batches, out, ctx) => writeReport(createWriter(format, ctx), batches, out);

export const WRITERS: Readonly<Record<OutputFormat, Writer>> = {
  text: writerFor('text'),
  json: writerFor('json'),
  ndjson: writerFor('ndjson'),
  csv: writerFor('csv'),
  grep: writerFor('grep'),
  xml: writerFor('xml'),
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

/**
 * Every host of a target set, in address order: the hosts a whole scan that
 * completed probed (it never pings, as nmap -Pn), for reports that have no
 * per-host counts to tell them (a merge or resume of open records only);
 * null above MAX_LISTED_HOSTS, as for the counts.
 */
export function everyHostOf(targets: { count: number; at(i: number): string }): Iterable<string> | null {
  if (targets.count > MAX_LISTED_HOSTS) return null;
  return (function* every() {
    for (let i = 0; i < targets.count; i++) yield targets.at(i);
  })();
}
