/**
 * The report formats by name. Each is a ReportWriter (report.ts); WRITERS
 * wraps each as a function from batches to a stream, the form the CLI, merge
 * and the tests use.
 */
import type { Writable } from 'node:stream';
import type { OutputFormat } from '../config/index.js';
import { grepWriter, textWriter } from './hosts.js';
import { csvWriter, jsonWriter, ndjsonWriter } from './lines.js';
import { type Batches, type ReportContext, type ReportWriter, writeReport } from './report.js';

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
      return csvWriter();
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
};

/** Formats that group by host and want per-host counts for their "not shown" lines. */
export function wantsHostCounts(format: OutputFormat): boolean {
  return format === 'text' || format === 'grep';
}
