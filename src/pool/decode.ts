/**
 * Wire records → ProbeRecords: the host index becomes its address, the port
 * gets its service name from the ranked list, the time becomes ISO 8601.
 */
import { type ProbeRecord, makeRecord } from '../model/record.js';
import { serviceName } from '../ports/services.js';
import type { TargetSet } from '../targets/set.js';
import { type WireBatch, type WireRecordView, readRecords } from '../wire/records.js';

export class RecordDecoder {
  private lastHostIndex = -1;
  private lastHost = '';

  constructor(private readonly targets: TargetSet) {}

  /** Decode a batch, keeping only the records `keep` accepts (by chunk offset). */
  decode(batch: WireBatch, keep: (k: number) => boolean): ProbeRecord[] {
    const out: ProbeRecord[] = [];
    readRecords(batch, (w: Readonly<WireRecordView>) => {
      if (!keep(w.k)) return;
      out.push(makeRecord(this.host(w.hostIndex), w.port, w.state, w.reason, w.rttMs, serviceName(w.port), new Date(w.tsMs).toISOString()));
    });
    return out;
  }

  private host(index: number): string {
    if (index !== this.lastHostIndex) {
      this.lastHostIndex = index;
      this.lastHost = this.targets.at(index);
    }
    return this.lastHost;
  }
}
