/**
 * Wire records → record batches: the host index becomes its address, the port
 * gets its service name from the ranked list, the time becomes ISO 8601. The
 * NDJSON text is formatted straight from the packed numbers; objects are made
 * only for a consumer that asks for them.
 */
import { LineBytes } from '../model/line-bytes.js';
import { type ProbeRecord, type RecordBatch, makeRecord } from '../model/record.js';
import { type ServiceInfo, serviceJson } from '../model/service.js';
import { serviceName } from '../ports/services.js';
import type { TargetSet } from '../targets/set.js';
import { type WireBatch, type WireRecordView, readRecords } from '../wire/records.js';

export class RecordDecoder {
  private lastHostIndex = -1;
  private lastHost = '';
  /** Records decided in the same millisecond share their ISO time (~100 of them at 100k/s). */
  private lastTsMs = NaN;
  private lastTs = '';
  private readonly lines = new LineBytes();

  constructor(private readonly targets: TargetSet) {}

  /** A batch of the records `keep` accepts (by chunk offset; called once per record, in order). */
  decode(wire: WireBatch, keep: (k: number) => boolean): RecordBatch {
    // Usually every record is kept; a list of dropped indexes only after a crash re-run.
    let dropped = null as Set<number> | null;
    let i = 0;
    readRecords(wire, (w) => {
      if (!keep(w.k)) (dropped ??= new Set()).add(i);
      i++;
    });
    const length = wire.n - (dropped?.size ?? 0);
    let records: ProbeRecord[] | null = null;
    let text: string | null = null;
    const services = wire.services.length > 0 ? new Map(wire.services) : null;
    const each = (visit: (w: Readonly<WireRecordView>, service: ServiceInfo | undefined) => void): void => {
      let j = 0;
      readRecords(wire, (w) => {
        if (dropped === null || !dropped.has(j)) visit(w, services?.get(j));
        j++;
      });
    };
    return {
      length,
      records: () => {
        if (records === null) {
          const out: ProbeRecord[] = [];
          each((w, svc) => {
            const r = makeRecord(this.host(w.hostIndex), w.port, w.state, w.reason, w.rttMs, svc?.service ?? serviceName(w.port), this.iso(w.tsMs));
            out.push(svc ? Object.assign(r, withoutService(svc)) : r);
          });
          records = out;
        }
        return records;
      },
      ndjson: () => {
        if (text === null) {
          each((w, svc) =>
            this.lines.line(this.hostOrV4(w.hostIndex), w.port, w.state, w.reason, w.rttMs, svc?.service ?? serviceName(w.port), this.iso(w.tsMs), svc ? serviceJson(svc) : ''),
          );
          text = this.lines.take();
        }
        return text;
      },
    };
  }

  private iso(tsMs: number): string {
    const ms = Math.floor(tsMs);
    if (ms !== this.lastTsMs) {
      this.lastTsMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    return this.lastTs;
  }

  /** The host as an IPv4 number (written without a string) or, for IPv6, its text. */
  private hostOrV4(index: number): string | number {
    const v4 = this.targets.v4At(index);
    return v4 >= 0 ? v4 : this.host(index);
  }

  private host(index: number): string {
    if (index !== this.lastHostIndex) {
      this.lastHostIndex = index;
      this.lastHost = this.targets.at(index);
    }
    return this.lastHost;
  }
}

/** The detection fields of a ServiceInfo, without its `service` (the record has that already). */
function withoutService(s: ServiceInfo): Omit<ServiceInfo, 'service'> {
  const { service, ...rest } = s;
  void service;
  return rest;
}
