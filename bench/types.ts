/**
 * The shape of a bench result, in one place: what bench/run.ts assembles,
 * what results/bench/<timestamp>.json holds and what
 * schemas/bench.schema.json checks. Keep the three in step.
 */
import type { StateCounts } from '../src/model/states.js';
import type { NetSection, TargetSection, TuningDecision } from './net-types.js';

/** The four workloads of issue 3. */
export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4';

/** Median, minimum and maximum of repeated measurements. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/**
 * How many targets got the state the machine's listeners say they should have.
 * The truth comes from /proc/net/tcp{,6} (bench/listeners.ts), read just before
 * and just after each run, never from the fixture list alone.
 */
export interface Accuracy {
  /** Targets expected open (a listener in both snapshots, accept queue drained). */
  expectedOpen: number;
  /** Targets expected filtered (the bench's own blackhole listeners, their accept queue not empty in both snapshots). */
  expectedFiltered: number;
  /** Expected-open targets reported open. */
  foundOpen: number;
  /** Expected-filtered targets reported filtered. */
  foundFiltered: number;
  /** Targets reported open with no listener in either snapshot. */
  falseOpens: number;
  /** Listeners whose state cannot be known (present in one snapshot only, or someone else's with a queued backlog); left out of both sides. */
  indeterminate: number;
  /** (foundOpen + foundFiltered) / (expectedOpen + expectedFiltered); 1 when nothing was expected. */
  ratio: number;
  /** Up to five "host:port" examples of misses and false opens, for debugging. */
  examples: string[];
}

/** One child-process scan. */
export interface RunMeasure {
  /** The CLI's own scan time (summary elapsedMs): pool start to last result, no Node start-up. */
  elapsedMs: number;
  /** The child's wall clock, spawn to exit: what a user waits for. */
  wallMs: number;
  /** Probes decided. */
  done: number;
  /** done / elapsedMs, per second. */
  rate: number;
  /** done / wallMs, per second. */
  wallRate: number;
  userMs: number;
  systemMs: number;
  maxRssKb: number;
  counts: StateCounts;
  /** Local-resource events the CLI counted (EMFILE, self-connect, ...). */
  events: Record<string, number>;
  accuracy: Accuracy;
}

/** W3 only: how late each timed-out probe was classified. */
export interface TimeoutStats {
  timeoutMs: number;
  /**
   * Where the overshoots come from: `records` (rttMs − timeout of each filtered record, pooled) or `timers`
   * (the summary's timing.timerLate of each run, when the records' rtt is the timeout itself: no histogram).
   * Absent from results written before it: records.
   */
  source?: 'records' | 'timers';
  /** Filtered records (timeouts acted on, from `timers`) over all runs of the cell. */
  count: number;
  /** Overshoot = rttMs − timeout, or how late the timeout was acted on, in ms. */
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  /** Records classified before their timeout (overshoot < 0). */
  early: number;
  /** ceil(targets / concurrency) × timeout. */
  idealMs: number;
  /** The CLI's elapsedMs over the runs. */
  totalMs: Spread;
  /** Median total / ideal. */
  totalVsIdeal: number;
  /** Counts per bin of OVERSHOOT_BINS (bench/stats.ts). */
  histogram: number[];
}

/** One workers × concurrency cell of one workload. */
export interface CellResult {
  workload: WorkloadId;
  workers: number;
  concurrency: number;
  runs: RunMeasure[];
  /** Targets/s on the CLI's elapsedMs: the headline figure. */
  rate: Spread;
  /** Targets/s on the child's wall clock (includes ~0.2 s of Node and pool start-up). */
  wallRate: Spread;
  /** Relative margin of error of elapsedMs in percent, from tinybench (0 with one run). */
  elapsedRme: number;
  userMs: Spread;
  systemMs: Spread;
  maxRssKb: Spread;
  /** The worst run's accuracy ratio. */
  accuracy: number;
  /** The worst run's false opens. */
  falseOpens: number;
  timeout: TimeoutStats | null;
  /** Distinct stderr lines of the child (e.g. a concurrency cap note). */
  notes: string[];
}

/** A workload as it was run. */
export interface WorkloadInfo {
  id: WorkloadId;
  title: string;
  targets: string;
  /** The -p value, shortened when it is a long fixture list. */
  ports: string;
  /** targets × ports; W4 walks only part of it. */
  space: number;
  /** Flags every run of this workload gets besides --workers/--concurrency. */
  flags: string[];
  fixtures: string;
}

/** One nmap run. */
export interface NmapRun {
  wallMs: number;
  done: number;
  wallRate: number;
  accuracy: Accuracy;
}

/** nmap on one workload, side by side with shardscan. */
export interface NmapWorkload {
  workload: WorkloadId;
  command: string;
  runs: NmapRun[];
  wallRate: Spread;
  /** shardscan's best median wall-clock targets/s on this workload (any cell). */
  shardscanWallRate: number;
  /** shardscanWallRate / nmap median wall-clock targets/s: above 1, shardscan is faster. */
  ratio: number;
}

export interface NmapSection {
  available: boolean;
  version: string | null;
  /** Why nmap was skipped, or how it was run. */
  note: string;
  workloads: NmapWorkload[];
}

/** One scan of the memory check, at default workers/concurrency ("-all": with --states all). */
export interface MemoryRun {
  name: 'small' | 'W1' | 'W4-short' | 'W4-long' | 'W1-all' | 'walk12-all' | 'text14-all' | 'resume12-all';
  command: string;
  done: number;
  elapsedMs: number;
  maxRssKb: number;
}

export interface MemorySection {
  defaults: { workers: number; concurrency: number };
  runs: MemoryRun[];
  /** Highest peak RSS of the runs at defaults. */
  peakKb: number;
  /** Peak RSS of W4-long minus W4-short. */
  w4GrowthKb: number;
  /** How many times more probes W4-long did than W4-short. */
  w4ProbeRatio: number;
  /** W4 growth ≤ FLAT_TOLERANCE_KB while probing several times more. */
  flat: boolean;
}

/** `shardscan 127.0.0.1 -p 1` as typed: how long a user waits for the smallest scan. */
export interface StartupSection {
  command: string;
  /** Spawn to exit, each run. */
  wallMs: number[];
  medianMs: number;
  /** `node -e 0` in the environment the bin gives Node, one run before each of the command's (absent before 2026-12-06). */
  node?: { wallMs: number[]; medianMs: number };
}

export interface Recommendation {
  workers: number;
  concurrency: number;
  /** W1 median + W2 median targets/s, the ranking key. */
  score: number;
  w1Rate: number;
  w2Rate: number;
}

/** One goal, and whether this run met it. */
export interface Goal {
  id: string;
  /** loopback: issue 3's and the start-up/RSS targets; network: through the lab. */
  group: 'loopback' | 'network';
  goal: string;
  holds: boolean;
  measured: string;
}

/** What was planned: the matrix and the run counts. */
export interface BenchPlan {
  mode: 'quick' | 'full';
  workers: number[];
  concurrency: number[];
  /** Most runs per cell; fewer when a run takes longer than budgetMs / maxRuns. */
  maxRuns: Record<WorkloadId, number>;
  /** tinybench time budget per cell, in ms. */
  budgetMs: Record<WorkloadId, number>;
  /** nmap runs per workload. */
  nmapRuns: number;
  w3Targets: number;
  timeoutMs: number;
  w4MatrixSec: number;
  w4ShortSec: number;
  w4LongSec: number;
  seed: number;
  /** The workloads this run was asked for: W1-W4, lab scenarios, banners (empty for --target). */
  selection: string[];
}

/** The loopback figures an earlier bench JSON measured, for "no slower than before". */
export interface Baseline {
  file: string;
  createdAt: string;
  /** machine.cpuModel there: a baseline from another CPU is not compared. */
  cpuModel: string;
  /** Best W1 / W2 cell median targets/s there. */
  w1Rate: number;
  w2Rate: number;
}

/**
 * results/bench/<timestamp>.json. The loopback fields are there when a
 * loopback workload ran, `net` when a network one did, `target` for --target.
 */
export interface BenchDocument {
  version: 2;
  createdAt: string;
  durationMs: number;
  machine: {
    platform: string;
    release: string;
    node: string;
    cpuModel: string;
    cores: number;
    memoryMb: number;
    fdLimit: number;
    /** os.loadavg() when the bench started. */
    loadAverage: number[];
    /** Share of all CPUs busy during 0.5 s just before the first scan (0-1): other work lowers every rate. */
    cpuBusyAtStart: number;
  };
  shardscanVersion: string;
  plan: BenchPlan;
  workloads?: WorkloadInfo[];
  cells?: CellResult[];
  nmap?: NmapSection;
  memory?: MemorySection;
  startup?: StartupSection;
  /** The loopback matrix's winner. */
  recommendation: Recommendation | null;
  /** Why there is no recommendation, or how it was chosen. */
  recommendationNote: string;
  /** What --save may store (bench/tuning.ts); absent with --target. */
  tuning?: TuningDecision;
  /** The earlier run W1/W2 are compared with, or null when there is none. */
  baseline?: Baseline | null;
  net?: NetSection;
  target?: TargetSection;
  goals: Goal[];
  /** SVG files next to the JSON, for the loopback workloads that ran. */
  charts?: { throughput?: string; overshoot?: string };
  overshootBins?: string[];
  notes: string[];
  /** Set when a signal stopped the run: which, and after how long; the document then holds only what was measured until then. */
  interrupted?: string;
}
