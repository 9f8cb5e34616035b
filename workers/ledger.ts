/**
 * One chunk as a worker runs it: which offsets are started and decided, the
 * watermark below which all are decided (and their records sent), the counts
 * the coordinator checkpoints, and the records waiting to be posted.
 */
import { type LocalEvents, type PortState, STATE_CODE, STATE_OF_CODE, type StateCounts, countEvent, emptyCounts } from '../src/model/states.js';
import { HostDelta, reasonCodeOf } from '../src/wire/host-delta.js';
import type { OffsetRanges } from '../src/model/checkpoint.js';
import type { ServiceInfo } from '../src/model/service.js';
import type { ChunkProgress, ChunkTask } from '../src/wire/messages.js';
import { RecordPacker } from '../src/wire/records.js';

/** A state code for an offset an earlier run decided (ChunkTask.skip): not started, not counted again. */
const EARLIER = 255;

export class ChunkLedger {
  /** Next offset not started yet. */
  nextK: number;
  /** Offsets below it are all decided. */
  watermark: number;
  /** Attempts of this chunk in flight. */
  inflight = 0;
  /** Open ports of this chunk in the banner stage (decided when their grab ends). */
  grabbing = 0;
  /** Timed-out positions of this chunk waiting for their host's retries still out (Expiry.defer, expiry.ts). */
  waiting = 0;
  /** Something happened since the last message (a decision, an event). */
  changed = false;
  /** Offsets decided by this run, above the watermark too. */
  decided = 0;
  /** Open ports reported, not decided: their banner read a stop cut (ChunkProgress.cutOpen). */
  cutOpen = 0;
  stopped = false;
  finished = false;
  readonly committed: StateCounts = emptyCounts();
  readonly decidedCounts: StateCounts = emptyCounts();
  /** Records not posted yet. */
  readonly records: RecordPacker;
  private events: LocalEvents = {};
  /** Per-host counts committed since the last message, when the spec asks for them. */
  private readonly hostDelta: HostDelta | null;
  /** Per offset: 0 = not decided yet, else a STATE_CODE. Lets the watermark advance in order. */
  private readonly states: Uint8Array;
  /** Per offset, with per-host counts: its reason's code (host-delta.ts), for the reports' reasons of ports not shown. */
  private readonly reasons: Uint8Array | null;
  /** Offsets countAbove counted already (null until a stop). */
  private countedAbove: Uint8Array | null = null;

  constructor(
    readonly task: ChunkTask,
    readonly resolve: (stopped: boolean) => void,
    /** Host index of an offset, when per-host counts are kept. */
    private readonly hostOf: ((k: number) => number) | null,
  ) {
    this.states = new Uint8Array(task.count);
    this.reasons = hostOf ? new Uint8Array(task.count) : null;
    for (const [a, b] of task.skip) this.states.fill(EARLIER, a, b);
    this.nextK = task.fromK - 1;
    this.advance();
    this.watermark = task.fromK;
    this.records = new RecordPacker();
    this.hostDelta = hostOf ? new HostDelta() : null;
    this.moveWatermark();
  }

  /** The next position is started (or held back): move on to the next one no earlier run decided. */
  advance(): void {
    const states = this.states;
    let k = this.nextK + 1;
    while (k < states.length && states[k] === EARLIER) k++;
    this.nextK = k;
  }

  /** True when no offset is left to start. */
  get started(): boolean {
    return this.nextK >= this.task.count;
  }

  /** Every offset decided (or the chunk was stopped). */
  get exhausted(): boolean {
    return this.stopped || (this.started && this.watermark >= this.task.count);
  }

  /**
   * An open port whose banner read a stop cut: a result found, so its record
   * goes out (named from the port table, `info`), but offset k stays
   * undecided, out of the checkpoint, so a resume probes and reads it again.
   * Decided, it kept the port table's guess for good: stopped and resumed, a
   * scan ended with other services than an uninterrupted one.
   */
  reportCut(k: number, hostIndex: number, port: number, rttMs: number, info: ServiceInfo, emit: boolean): void {
    this.changed = true;
    this.cutOpen++;
    if (emit) this.record(k, hostIndex, port, 'open', 'syn-ack', rttMs, performance.now(), info);
  }

  /** A record of offset k for the next message: its rtt to the µs, `now` on this thread's clock. */
  record(k: number, hostIndex: number, port: number, state: PortState, reason: string, rttMs: number, now: number, service?: ServiceInfo): void {
    this.records.add(k, hostIndex, port, state, reason, Math.round(rttMs * 1000) / 1000, performance.timeOrigin + now, service);
  }

  /** Offset k is decided (`reason`: why, for per-host counts): count it and move the watermark over every decided offset. */
  decide(k: number, state: PortState, reason?: string): void {
    this.changed = true;
    this.states[k] = STATE_CODE[state];
    if (this.reasons && reason !== undefined) this.reasons[k] = reasonCodeOf(state, reason);
    this.decided++;
    this.decidedCounts[state]++;
    this.moveWatermark();
  }

  /** Move the watermark over every decided offset, counting those this run decided. */
  private moveWatermark(): void {
    const states = this.states;
    let w = this.watermark;
    while (w < states.length && states[w] !== 0) {
      const code = states[w]!;
      if (code !== EARLIER) {
        const s = STATE_OF_CODE[code]!;
        this.committed[s]++;
        if (this.hostDelta && this.countedAbove?.[w] !== 1) this.hostDelta.add(this.hostOf!(w), s, this.reasons![w]);
      }
      w++;
    }
    this.watermark = w;
  }

  /**
   * Offsets above the watermark already decided, by this run (their records
   * sent with this message or before) or an earlier one: what a stopped
   * chunk's checkpoint keeps, so a resume does not probe them again.
   */
  private decidedAbove(): OffsetRanges {
    const out: OffsetRanges = [];
    const states = this.states;
    for (let k = this.watermark + 1; k < states.length; k++) {
      if (states[k] === 0) continue;
      const a = k;
      while (k < states.length && states[k] !== 0) k++;
      out.push([a, k]);
    }
    return out;
  }

  /** Hosts (lowest and highest index) this machine had no route to, since the last message. */
  private noRouteHosts: [number, number] | null = null;

  noRoute(hostIndex: number): void {
    const r = this.noRouteHosts;
    if (r === null) this.noRouteHosts = [hostIndex, hostIndex];
    else {
      if (hostIndex < r[0]) r[0] = hostIndex;
      if (hostIndex > r[1]) r[1] = hostIndex;
    }
  }

  event(name: string): void {
    this.changed = true;
    countEvent(this.events, name);
  }

  /**
   * The per-host counts of offsets above the watermark this run decided: a stopped chunk's last message carries
   * them, as its checkpoint keeps them. Counted only as the watermark passed, a stop behind a banner read that held
   * the watermark back (helper 20) left most of a host's closed ports out of its "Not shown: N closed".
   */
  private countAbove(): void {
    const states = this.states;
    this.countedAbove ??= new Uint8Array(states.length);
    for (let k = this.watermark + 1; k < states.length; k++) {
      const code = states[k]!;
      if (code === 0 || code === EARLIER || this.countedAbove[k] === 1) continue;
      this.hostDelta!.add(this.hostOf!(k), STATE_OF_CODE[code]!, this.reasons![k]);
      this.countedAbove[k] = 1; // not again when the watermark passes it (a chunk decides nothing after its last message, but the counts hold if it did)
    }
  }

  /** Progress for the next message; events and host counts are handed over once. */
  takeProgress(timing: number[] | null = null, last = false): ChunkProgress {
    this.changed = false;
    const events = this.events;
    this.events = {};
    const stoppedShort = last && this.watermark < this.states.length;
    if (stoppedShort && this.hostDelta) this.countAbove();
    const progress: ChunkProgress = {
      watermark: this.watermark,
      committed: { ...this.committed },
      decidedCounts: { ...this.decidedCounts },
      cutOpen: this.cutOpen,
      events,
      hostCounts: this.hostDelta?.take() ?? null,
      timing,
      noRoute: this.takeNoRoute(),
    };
    if (stoppedShort) progress.above = this.decidedAbove();
    return progress;
  }

  private takeNoRoute(): [number, number] | null {
    const r = this.noRouteHosts;
    this.noRouteHosts = null;
    return r;
  }
}
