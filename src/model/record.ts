/**
 * A probe's outcome and the record the writers, the shard files and the
 * library API see (schemas/record.schema.json), with its one JSON encoding.
 */
import { type ServiceFields, serviceJson } from './service.js';
import { PORT_STATES, type PortState } from './states.js';

/**
 * What a probe found. The reason depends on the state: `syn-ack` for open
 * (or ECONNRESET: the service reset the connection after the handshake
 * completed, before the scanner saw it), ECONNREFUSED for closed,
 * `timeout` or the ICMP-derived errno for filtered, and for error what went
 * wrong on this machine (an errno name, or `self-connect`).
 */
export type ProbeOutcome =
  | { state: 'open'; reason: 'syn-ack' | 'ECONNRESET'; rttMs: number }
  | { state: 'closed'; reason: string; rttMs: number }
  | { state: 'filtered'; reason: string; rttMs: number }
  | { state: 'error'; reason: string; rttMs: number };

/** One result as the writers and the library API see it. */
export type ProbeRecord = ProbeOutcome &
  ServiceFields & {
    host: string;
    port: number;
    /** The service: detected by --banners (serviceSource 'probe'), else the built-in port list's name, or `unknown`. */
    service: string;
    /** ISO 8601 time (UTC) the state was decided. */
    ts: string;
  };

/** A record from its parts, keeping the outcome union honest for callers that hold a plain state. */
export function makeRecord(host: string, port: number, state: PortState, reason: string, rttMs: number, service: string, ts: string): ProbeRecord {
  return { host, port, state, reason, rttMs, service, ts } as ProbeRecord;
}

/**
 * One record's JSON line, with a newline, from its fields (schema order;
 * written by hand: it runs per record). `extra` is serviceJson()'s text.
 */
export function formatLine(host: string, port: number, state: PortState, reason: string, rttMs: number, service: string, ts: string, extra = ''): string {
  return `{"host":${JSON.stringify(host)},"port":${port},"state":"${state}","reason":${JSON.stringify(reason)},"rttMs":${rttMs},"service":${JSON.stringify(service)},"ts":"${ts}"${extra}}\n`;
}

const STATES: ReadonlySet<string> = new Set(PORT_STATES);
/** schemas/record.schema.json's `ts`: a UTC time, whose characters need no escaping in JSON. */
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * The record as one line of JSON, with a newline: the NDJSON line, the shard
 * file line, and (without the newline) an element of the JSON report.
 */
export function recordLine(r: ProbeRecord): string {
  // formatLine writes these four as they are: a NaN RTT or a quote in `ts` from a library caller made a line that is not JSON.
  if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) throw new RangeError(`recordLine: port ${String(r.port)} is not a port number (1-65535)`);
  if (!Number.isFinite(r.rttMs) || r.rttMs < 0) throw new RangeError(`recordLine: rttMs ${String(r.rttMs)} is not a duration in ms (finite, 0 or more)`);
  if (!STATES.has(r.state)) throw new RangeError(`recordLine: state ${JSON.stringify(r.state)} is not open, closed, filtered or error`);
  if (typeof r.ts !== 'string' || !TS.test(r.ts)) throw new RangeError(`recordLine: ts ${JSON.stringify(r.ts)} is not an ISO 8601 time`);
  return formatLine(r.host, r.port, r.state, r.reason, r.rttMs, r.service, r.ts, serviceJson(r));
}

/**
 * A batch of records as the sinks and writers get it. A batch made from the
 * workers' packed records gives its NDJSON text without making an object per
 * record, so the common path (NDJSON report and shard file) allocates one
 * string per batch; `records()` makes the objects, once, for those who want them.
 */
export interface RecordBatch {
  readonly length: number;
  /** The records as objects (made on first call). */
  records(): readonly ProbeRecord[];
  /** The NDJSON text of the batch, one line per record (made on first call). */
  ndjson(): string;
}

/** A batch over records that already exist as objects (a resume's replay, a merge, tests). */
export function arrayBatch(records: readonly ProbeRecord[]): RecordBatch {
  let text: string | null = null;
  return {
    length: records.length,
    records: () => records,
    ndjson: () => (text ??= records.map(recordLine).join('')),
  };
}

/**
 * A batch over `length` whole NDJSON lines, each ending in a newline, that
 * this program wrote and checked (a resume's records, read back from its
 * shard file): the text goes out as it is, and records() parses it only for
 * the writers that want objects.
 */
export function textBatch(text: string, length: number): RecordBatch {
  let records: ProbeRecord[] | null = null;
  return {
    length,
    records: () => (records ??= text.split('\n', length).map((l) => JSON.parse(l) as ProbeRecord)),
    ndjson: () => text,
  };
}

/**
 * A batch over `length` whole NDJSON lines held as bytes (a resume's replay):
 * outside the JS heap while it waits in a queue; its text is made each time it
 * is asked for, and dies young.
 */
export function bytesBatch(bytes: Buffer, length: number): RecordBatch {
  return {
    length,
    records: () => textBatch(bytes.toString('utf8'), length).records(),
    ndjson: () => bytes.toString('utf8'),
  };
}

/** "host|port": the identity of a record's position. */
export function recordKey(r: Pick<ProbeRecord, 'host' | 'port'>): string {
  return `${r.host}|${r.port}`;
}
