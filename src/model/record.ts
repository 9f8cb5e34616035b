/**
 * A probe's outcome and the record the writers, the shard files and the
 * library API see (schemas/record.schema.json), with its one JSON encoding.
 */
import type { PortState } from './states.js';

/**
 * What a probe found. The reason depends on the state: `syn-ack` for open,
 * the errno for closed (ECONNREFUSED, or ECONNRESET from a reset handshake),
 * `timeout` or the ICMP-derived errno for filtered, and for error what went
 * wrong on this machine (an errno name, or `self-connect`).
 */
export type ProbeOutcome =
  | { state: 'open'; reason: 'syn-ack'; rttMs: number }
  | { state: 'closed'; reason: string; rttMs: number }
  | { state: 'filtered'; reason: string; rttMs: number }
  | { state: 'error'; reason: string; rttMs: number };

/** One result as the writers and the library API see it. */
export type ProbeRecord = ProbeOutcome & {
  host: string;
  port: number;
  /** Service name from the built-in port list, or `unknown`. */
  service: string;
  /** ISO 8601 time (UTC) the state was decided. */
  ts: string;
};

/** A record from its parts, keeping the outcome union honest for callers that hold a plain state. */
export function makeRecord(host: string, port: number, state: PortState, reason: string, rttMs: number, service: string, ts: string): ProbeRecord {
  return { host, port, state, reason, rttMs, service, ts } as ProbeRecord;
}

/**
 * The record as one line of JSON, with a newline: the NDJSON line, the shard
 * file line, and (without the newline) an element of the JSON report. Written
 * by hand, in schema order, because it runs once per record written.
 */
export function recordLine(r: ProbeRecord): string {
  return `{"host":${JSON.stringify(r.host)},"port":${r.port},"state":"${r.state}","reason":${JSON.stringify(r.reason)},"rttMs":${r.rttMs},"service":${JSON.stringify(r.service)},"ts":"${r.ts}"}\n`;
}

/** "host|port": the identity of a record's position. */
export function recordKey(r: Pick<ProbeRecord, 'host' | 'port'>): string {
  return `${r.host}|${r.port}`;
}
