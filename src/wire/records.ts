/**
 * Records on the wire, worker → coordinator: one flat array of numbers with a
 * fixed stride per batch instead of one object per record, so a batch of 512
 * is one array to clone. A plain array, not a Float64Array: it is cloned into
 * the coordinator's young generation and dies in a scavenge, where an
 * ArrayBuffer's memory lives outside the heap until a full GC (measured: RSS
 * +10 MB at 130k records/s). The reasons a batch uses travel beside it as a
 * small string table.
 *
 * The packer (worker side) and the reader (coordinator side) are the only code
 * that knows the layout.
 */
import type { ServiceInfo } from '../model/service.js';
import { STATE_CODE, STATE_OF_CODE, type PortState } from '../model/states.js';

/** Fields per record: k, host index, port, state code, reason index, rttMs, tsMs. */
const STRIDE = 7;

/** A batch of records of one chunk, as posted. */
export interface WireBatch {
  /** Number of records. */
  n: number;
  /** n × STRIDE numbers (see STRIDE). */
  data: number[];
  /** Reason strings; each record holds an index into this. */
  reasons: string[];
  /** What --banners found, for the records that have it: [record number in the batch, info]. */
  services: [number, ServiceInfo][];
}

export const EMPTY_BATCH: WireBatch = Object.freeze({ n: 0, data: [], reasons: [], services: [] }) as unknown as WireBatch;

/** One decoded wire record (reused by the reader: copy what you keep). */
export interface WireRecordView {
  /** Offset in the chunk, for de-duplication after a crash. */
  k: number;
  hostIndex: number;
  port: number;
  state: PortState;
  reason: string;
  rttMs: number;
  /** Epoch milliseconds when the state was decided. */
  tsMs: number;
}

/** Worker side: collects records, hands out a batch and starts over. */
export class RecordPacker {
  private data: number[] = [];
  private n = 0;
  private reasons: string[] = [];
  private services: [number, ServiceInfo][] = [];
  private reasonIndex = new Map<string, number>();

  get length(): number {
    return this.n;
  }

  add(k: number, hostIndex: number, port: number, state: PortState, reason: string, rttMs: number, tsMs: number, service?: ServiceInfo): void {
    if (service) this.services.push([this.n, service]);
    let r = this.reasonIndex.get(reason);
    if (r === undefined) {
      r = this.reasons.length;
      this.reasons.push(reason);
      this.reasonIndex.set(reason, r);
    }
    this.data.push(k, hostIndex, port, STATE_CODE[state], r, rttMs, tsMs);
    this.n++;
  }

  /** The records so far as a batch; the packer starts empty. */
  take(): WireBatch {
    if (this.n === 0) return EMPTY_BATCH;
    const batch: WireBatch = { n: this.n, data: this.data, reasons: this.reasons, services: this.services };
    this.data = [];
    this.services = [];
    this.n = 0;
    this.reasons = [];
    this.reasonIndex.clear();
    return batch;
  }
}

/** Coordinator side: visit every record of a batch, in order. `view` is reused between calls. */
export function readRecords(batch: WireBatch, visit: (r: Readonly<WireRecordView>) => void): void {
  const d = batch.data;
  const view: WireRecordView = { k: 0, hostIndex: 0, port: 0, state: 'open', reason: '', rttMs: 0, tsMs: 0 };
  for (let i = 0; i < batch.n; i++) {
    const o = i * STRIDE;
    view.k = d[o]!;
    view.hostIndex = d[o + 1]!;
    view.port = d[o + 2]!;
    view.state = STATE_OF_CODE[d[o + 3]!]!;
    view.reason = batch.reasons[d[o + 4]!]!;
    view.rttMs = d[o + 5]!;
    view.tsMs = d[o + 6]!;
    visit(view);
  }
}
