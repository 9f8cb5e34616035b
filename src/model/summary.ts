/**
 * How a scan ended, where it stands while it runs, and the helpers that build
 * a summary, including one merged from several shard summaries.
 */
import { type LocalEvents, type StateCounts, addCounts, addEvents, emptyCounts, totalOf } from './states.js';

/**
 * Why a scan stopped early; `shards-missing` only for a merge of an
 * incomplete shard set (--allow-partial), `unfinished` for a shard that had
 * not finished when it was merged (still running).
 */
export type StopReason = 'signal' | 'time-limit' | 'output-closed' | 'error' | 'shards-missing' | 'unfinished';

/** What every summary holds, whether complete or not. */
export interface SummaryBody {
  scanKey: string;
  seed: number;
  order: 'random' | 'serial';
  shard: { index: number; total: number };
  hosts: number;
  ports: number;
  /** Positions this machine's shard owns. */
  probes: number;
  /** Positions decided (by this run, plus those a resumed checkpoint already held). */
  done: number;
  /**
   * Of `done`, those a resumed checkpoint already held (decided by earlier
   * runs); absent when this run resumed nothing. This run decided the rest in
   * `elapsedMs` (`rate` is theirs): "65536 done in 0.51 s" read as 128k/s.
   */
  resumedDone?: number;
  /**
   * Of `done` and `counts.open`, open ports whose --banners read a stop cut: reported open, named from the port
   * table, and left out of the checkpoint, so a resume reads them again; absent when none (helper 20: "100/100
   * probes", where `status` said 90/100, and nothing told those ports from ones read in full that said nothing).
   */
  bannerReadsCut?: number;
  counts: StateCounts;
  events: LocalEvents;
  engine: string;
  /** --workers as the scan was set up (the setting the bench compares and saves). */
  workers: number;
  /** Worker threads the scan ran on (alive at its end; one that failed to boot is not counted): 0 when it ran on the main thread (a small scan without --workers). */
  workerThreads: number;
  concurrency: number;
  startedAt: string;
  elapsedMs: number;
  /** Decided positions per second of this run. */
  rate: number;
  /** How the scan adapted its timing (absent in a merged or older summary). */
  timing?: TimingSummary;
  /** Targets this machine had no route to (their probes are errors, not port states); absent when none. */
  noRoute?: NoRoute;
}

/** A finished scan has no stop reason; an interrupted one always has one. */
export type ScanSummary = SummaryBody & ({ status: 'complete'; stopReason: null } | { status: 'interrupted'; stopReason: StopReason });

export type ScanStatus = ScanSummary['status'];

/** Tag a summary body with how the scan ended: `null` = it completed. */
export function endedAs(body: SummaryBody, stopped: StopReason | null): ScanSummary {
  return stopped === null ? { status: 'complete', stopReason: null, ...body } : { status: 'interrupted', stopReason: stopped, ...body };
}

/** Live counters for a progress display. */
export interface ProgressSnapshot {
  done: number;
  total: number;
  open: number;
  elapsedMs: number;
  /** Local events so far (all kinds). */
  events: number;
  /**
   * Positions held so far while their host, which had answered, was silent (an outage, counted when first held, as
   * the summary's timing.portsHeld is): a bar that stands still while hosts are silent says why. Absent: none.
   */
  held?: number;
  /** Hosts given up so far (--host-timeout). Absent: none. */
  hostsGivenUp?: number;
  /** How long the workers have been held because the report's reader takes nothing (a stalled `| less`). Absent: not held. */
  outputWaitMs?: number;
}

/**
 * One summary for the union of several shards of one scan (merge). Counts and
 * events add up; the result is complete only when every shard is there and
 * complete. The scan took from its first shard's start to its last one's end
 * (`endedAt`, per part, when every part has one), but at least as long as its
 * slowest shard and at most as long as all of them one after another (a
 * shard resumed a day later scanned for seconds, not a day): the slowest
 * shard's time alone, taken as the whole scan's, read 14.6k/s for three
 * shards at --rate 5000 run one after another (the README's Job runs 64
 * shards on 4 pods), and the XML's start and finish were 7 s apart with
 * elapsed="2.25". Without every end, the slowest shard's time.
 */
export function mergeSummaries(parts: readonly ScanSummary[], allShards: boolean, endedAt: readonly (string | null)[] = []): ScanSummary {
  const first = parts[0];
  if (!first) throw new RangeError('mergeSummaries: no summaries');
  const counts = emptyCounts();
  const events: LocalEvents = {};
  let slowest = 0;
  let all = 0;
  for (const p of parts) {
    addCounts(counts, p.counts);
    addEvents(events, p.events);
    slowest = Math.max(slowest, p.elapsedMs);
    all += p.elapsedMs;
  }
  const ends = endedAt.map((e) => (e === null ? NaN : Date.parse(e)));
  const span = ends.length === parts.length && ends.every(Number.isFinite) ? Math.max(...ends) - Math.min(...parts.map((p) => Date.parse(p.startedAt))) : NaN;
  const elapsedMs = Number.isFinite(span) ? Math.round(Math.min(all, Math.max(slowest, span))) : slowest;
  const done = totalOf(counts);
  const complete = allShards && parts.every((p) => p.status === 'complete');
  const body: SummaryBody = {
    scanKey: first.scanKey,
    seed: first.seed,
    order: first.order,
    shard: { index: 1, total: 1 },
    hosts: first.hosts,
    ports: first.ports,
    probes: first.hosts * first.ports,
    done,
    counts,
    events,
    // The shards ran side by side: their threads and windows add up, and each engine used is named (it showed the first shard's).
    engine: [...new Set(parts.map((p) => p.engine))].join(','),
    workers: parts.reduce((n, p) => n + p.workers, 0),
    workerThreads: parts.reduce((n, p) => n + p.workerThreads, 0),
    concurrency: parts.reduce((n, p) => n + p.concurrency, 0),
    startedAt: parts.map((p) => p.startedAt).sort()[0]!,
    elapsedMs,
    rate: Math.round(done / Math.max(elapsedMs / 1000, 0.001)),
  };
  const stopped = allShards ? (parts.find((p) => p.status === 'interrupted')?.stopReason ?? 'signal') : 'shards-missing';
  return endedAs(body, complete ? null : stopped);
}

/** Percentiles of a set of durations, in ms (bucket upper bounds; see histogram.ts). */
export interface DurationStats {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  /** The largest sample itself (timerLate only). */
  max?: number;
}

/** How the scan adapted to the network: what --summary-json and the summary line tell. */
export interface TimingSummary {
  /** Round-trip times measured from every answer. */
  rtt: DurationStats | null;
  /** The timeouts that ran out: attempts with no answer in time (an answered attempt's timeout was set, not used); null when none did. */
  timeout: DurationStats | null;
  /**
   * How long after its deadline each timeout that ran out was acted on (the loop's check phase reached it):
   * the per-attempt timers' precision, which a filtered record's rtt, its timeout, does not show. Null when no
   * timeout ran out; absent in a summary made before it was measured.
   */
  timerLate?: DurationStats | null;
  /** Attempts started again after a timeout, and how many of those got an answer. */
  retries: number;
  retriesAnswered: number;
  /**
   * Times a window shrank, by reason (retry-answered: an answer came only to a retry, so a probe was lost;
   * deep-retries: most answers came only after two tries lost in a row, a limiter sent more than it passes).
   */
  windowShrinks: Record<string, number>;
  /** Of those, shrinks undone: the probes sent after them lost as large a share, so the loss was random, or most of them went unanswered, behind firewalls (workers/probation.ts). */
  windowShrinksUndone: number;
  /** Hosts --host-timeout gave up on. */
  hostsGivenUp: number;
  /**
   * Ports decided filtered because --max-retries ran out while their host's
   * retries still got answers (nmap: "giving up on port because
   * retransmission cap hit"): on a lossy path, a higher cap may find them.
   */
  retryCapHits: number;
  /**
   * Positions held while their host, which had answered, was silent (an outage: workers/outage.ts), each counted
   * when first held: tried again once it answered, or decided filtered after 10 s of silence. Absent in a summary
   * made before it was counted.
   */
  portsHeld?: number;
}

/** A duration histogram as it is kept (model/histogram.ts: counts per bucket), with the sum of its samples. */
export interface DurationHistogram {
  counts: readonly number[];
  sumMs: number;
}

/** The RTT and timeout histograms behind TimingSummary's percentiles. */
export interface TimingHistograms {
  rtt: DurationHistogram;
  timeout: DurationHistogram;
}

/** Targets this machine could not send to: connect() failed at once with a routing errno. */
export interface NoRoute {
  /** Probes that failed so (also counted as the local event `no-route`). */
  probes: number;
  /** The smallest prefix holding every such host, e.g. 10.0.0.0/8. */
  prefix: string;
}
