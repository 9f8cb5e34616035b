/**
 * What every report format is: an object with a lifecycle (ZMap's output
 * modules, masscan's output.h): text before the records, text per batch, text
 * after the last one. One pump writes any of them to a stream with
 * back-pressure, so a format that holds records until the end (grouped by
 * host), or needs a header and a closing tag, fits without special cases.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { ByteBlock } from '../model/byte-block.js';
import { type ProbeRecord, type RecordBatch, arrayBatch } from '../model/record.js';
import type { StateReasons } from '../model/reasons.js';
import type { PortState, StateCounts } from '../model/states.js';
import type { ScanSummary } from '../model/summary.js';

/** What a report needs besides the records. */
export interface ReportContext {
  version: string;
  /** The command line, for report headers. */
  command: string;
  startedAt: string;
  /** When the scan ended, for a report made after it (a merge: its last shard's end); absent: now, as the report ends. */
  endedAt?: string;
  seed: number;
  order: 'random' | 'serial';
  hosts: number;
  ports: number;
  /** The ports as a compact list ("22,80,1000-2000"), for reports that name them (xml's scaninfo). */
  portSpec?: string;
  states: readonly PortState[];
  /** The scan read open ports (--banners): reports show versions. */
  banners?: boolean;
  /** Called once the records have ended. */
  summary(): ScanSummary;
  /** Per-host counts of every state, or null when not tracked (very large scans, or resumed ones). */
  hostCounts(host: string): StateCounts | null;
  /** Per-host counts by state and reason (xml's extrareasons), or null (absent) when not known; then only certain reasons are given. */
  hostReasons?(host: string): StateReasons | null;
  /**
   * Every host with at least one decided probe, in address order, or null
   * when that is not known (see scannedHostsOf). Called once the records have
   * ended. The grep format lists these hosts even when none of their ports is shown.
   */
  scannedHosts?(): Iterable<string> | null;
  /** Whether --host-timeout gave up on the host (nmap: timedout="true", Status: Timeout); null or absent: not known, the records tell. */
  hostGivenUp?(host: string): boolean | null;
  /** The host name the user typed for this address (localhost), or null: reports show it as nmap does. */
  hostName?(host: string): string | null;
  /** What the user should hear that does not stop the report (a TMPDIR that filled up); unheard when absent. */
  note?(text: string): void;
}

/** Batches of records; plain arrays are accepted too (tests, small callers). */
export type Batches = AsyncIterable<RecordBatch | readonly ProbeRecord[]>;

/** One report being written. */
export interface ReportWriter {
  /** Text before any record. */
  start(): string;
  /** Text for a batch, as it arrives ('' for formats that hold records until the end). */
  batch(batch: RecordBatch): string | Buffer;
  /** Text after the last record, in pieces of any size (they are gathered into ~64 KB writes); the context's summary is final by now. */
  end(): Iterable<string>;
  /** The report was dropped (its stream failed): give back what it holds (a sorted report's temporary runs). */
  abort?(): void;
}

/** Write with back-pressure; rejects if the stream fails (EPIPE, ENOSPC). */
export async function put(out: Writable, text: string | Buffer): Promise<void> {
  if (text.length === 0) return;
  if (out.destroyed || out.writableEnded) throw new Error(`output closed${out.errored ? `: ${out.errored.message}` : ''}`);
  if (!out.write(text)) await once(out, 'drain');
}

function isBatch(b: RecordBatch | readonly ProbeRecord[]): b is RecordBatch {
  return typeof (b as RecordBatch).ndjson === 'function';
}

/**
 * A turn of the event loop now and then. A report to a file writes
 * synchronously (fd-stream.ts), so the end of a large sorted report ran for
 * seconds without one: Ctrl+C, a second Ctrl+C and --metrics waited for it.
 */
let lastTurn = performance.now();
async function letOthersIn(): Promise<void> {
  if (performance.now() - lastTurn < 20) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
}

/** Bytes of text gathered before a write: a writer yields pieces as small as it likes (a port's line). */
const PIECE = 1 << 16;

/** Write one piece, then let the event loop in. */
async function putOne(out: Writable, piece: string | Buffer): Promise<void> {
  await put(out, piece);
  await letOthersIn();
}

/** Write a writer's pieces in ~64 KB writes, gathered as bytes (see ByteBlock), letting the event loop in between. */
async function putAll(out: Writable, pieces: Iterable<string | Buffer>): Promise<void> {
  const block = new ByteBlock(PIECE, true);
  for (const piece of pieces) {
    if (!block.fits(piece)) await putOne(out, block.take());
    if (block.fits(piece)) block.add(piece);
    else await putOne(out, piece);
  }
  await putOne(out, block.take());
}

/** Run a writer over the batches into `out`; rejects if the stream fails. */
export function writeReport(writer: ReportWriter, batches: Batches, out: Writable): Promise<void> {
  return writeReports([{ writer, out }], batches);
}

/**
 * Run several writers over one pass of the batches, each into its own stream
 * (nmap -oA: three reports of one scan). Every batch goes to every report, in
 * order, with each stream's back-pressure. A report whose stream fails is
 * dropped and the others go on, whole (one failing file cut every report,
 * where nmap writes the others); `failed(i, err)` hears of it. Rejects only
 * when no report is left.
 */
export async function writeReports(reports: readonly { writer: ReportWriter; out: Writable }[], batches: Batches, failed?: (index: number, err: unknown) => void): Promise<void> {
  const failures: unknown[] = reports.map(() => null);
  const each = async (write: (r: { writer: ReportWriter; out: Writable }) => Promise<void>): Promise<void> => {
    for (let i = 0; i < reports.length; i++) {
      if (failures[i] !== null) continue;
      try {
        await write(reports[i]!);
      } catch (err) {
        failures[i] = err;
        reports[i]!.writer.abort?.();
        failed?.(i, err);
        if (failures.every((f) => f !== null)) throw failures[0];
      }
    }
  };
  await each((r) => putOne(r.out, r.writer.start()));
  for await (const b of batches) {
    const batch = isBatch(b) ? b : arrayBatch(b);
    await each((r) => putOne(r.out, r.writer.batch(batch)));
  }
  await each((r) => putAll(r.out, r.writer.end()));
}
