/**
 * The network part of a bench result: scans through the lab (lab/), their
 * accuracy against the lab's ground truth, the --banners workload, the check
 * that a tuning does not slow real networks down, and `--target` tuning.
 * Mirrored by schemas/bench.schema.json (definitions net*, tuning, target).
 */
import type { Score } from '../lab/truth.js';

/** The scanners the network part runs (lab/tools.ts TOOLS). */
export type NetToolId = 'cscan' | 'nodefloor' | 'nmap-t5' | 'nmap-t4' | 'shardscan';

/** How one run did against the ground truth: the lab's own score (examples cut to five, see net-runs.ts). */
export type NetScore = Score;

/** One run of one tool through a scenario's lab. */
export interface NetRun {
  /** Spawn to exit, inside the scanner namespace, ms. */
  wallMs: number;
  /** shardscan only: its own scan time (--summary-json elapsedMs, pool start to last result); null for other tools. */
  scanMs: number | null;
  exitCode: number | null;
  /** Killed at the cap; the score covers what it printed before. */
  overCap: boolean;
  /** Why the run does not count (packets the lab lost other than on purpose, the tool exiting non-zero); a void run is left out of the median. */
  void: string[];
  /** The relay's worst release lateness during the run, µs. */
  maxLateUs: number;
  /** CPU time the hypervisor took during the run, ms (all CPUs). */
  stealMs: number;
  score: NetScore;
}

/** One tool on one scenario. */
export interface NetToolResult {
  tool: NetToolId;
  /** The command line (targets and ports filled in), or why the tool was not run. */
  command: string;
  /** Why the tool was skipped on this scenario; null when it ran. */
  skipped: string | null;
  runs: NetRun[];
  /** Median wall ms of the runs that are not void (an over-cap run counts at its wall time); null when none. */
  medianMs: number | null;
  /** The median includes an over-cap run: the real time is at least this. */
  lowerBound: boolean;
  /** Runs that are not void, and how many of them were exact. */
  validRuns: number;
  exactRuns: number;
}

/** One lab scenario and every tool's result on it. */
export interface NetScenarioResult {
  id: string;
  description: string;
  seed: number;
  truth: { targets: number; open: number; closed: number; filtered: number };
  /** Cap on one run, ms. */
  capMs: number;
  tools: NetToolResult[];
}

/** One shardscan run of the banner workload, with or without --banners. */
export interface BannerRun extends NetRun {
  banners: boolean;
  /** Of the services, how many records carried the service detected by a probe (serviceSource "probe", right name). */
  detected: number;
  /** Up to five "port: what was wrong" examples. */
  misdetected: string[];
}

/** 10,000 ports with 50 banner services at RTT 20 ms, with and without --banners. */
export interface NetBannersResult {
  description: string;
  host: string;
  ports: string;
  services: { ssh: number; http: number };
  /** --banner-timeout the CLI uses by default, ms: the allowance for one banner read. */
  bannerTimeoutMs: number;
  runs: BannerRun[];
  /** Median wall ms without and with --banners (valid runs). */
  withoutMs: number | null;
  withMs: number | null;
  /** withMs / (withoutMs + bannerTimeoutMs); the goal is ≤ 1.5. */
  ratio: number | null;
  /** Every --banners run detected every service. */
  allDetected: boolean;
}

/** The network section of a bench result. */
export interface NetSection {
  /** False when the lab cannot run here (not root, no nft, gcc or TUN); then nothing else is filled in. */
  available: boolean;
  note: string;
  nmapVersion: string | null;
  /** Runs per tool per scenario (interleaved, so a slow spell does not land on one tool). */
  runs: number;
  scenarios: NetScenarioResult[];
  banners: NetBannersResult | null;
}

/** A --workers × --concurrency pair. */
export interface Setting {
  workers: number;
  concurrency: number;
}

/** One candidate of the network check, on one scenario, against the defaults in the same lab. */
export interface NetCheckRow {
  scenario: string;
  workers: number;
  concurrency: number;
  medianMs: number | null;
  defaultsMs: number | null;
  /** Every valid run exact. */
  exact: boolean;
}

/** What --save stores, and why (bench/tuning.ts). */
export interface TuningDecision {
  /** The setting chosen for --save; null = the CLI's defaults (nothing stored, an older tuning file removed). */
  pick: Setting | null;
  /** The CLI's defaults on this machine (workers = cores, concurrency capped by ulimit -n). */
  defaults: Setting;
  /** The rule that decided, in one sentence. */
  rule: string;
  /** Candidates measured through the lab against the defaults; empty when the lab did not run. */
  check: NetCheckRow[];
  /** Where --save wrote, or null. */
  savedTo: string | null;
  /** The tuning file --save removed because the defaults won, or null. */
  removed: string | null;
}

/** One setting of `--target` tuning and how its runs agreed with the rest. */
export interface TargetSetting {
  label: string;
  /** Extra CLI flags ([] = defaults). */
  flags: string[];
  workers: number;
  concurrency: number;
  runs: Array<{ wallMs: number; elapsedMs: number; counts: { open: number; closed: number; filtered: number; error: number } }>;
  medianWallMs: number;
  medianElapsedMs: number;
  /** Most opens any one run missed, of all opens any run of any setting found (a connect scan's open is a real handshake). */
  missingOpens: number;
  /** Most closed ports (closed in some run of any setting, open in none) that one run called anything else: a RST is an answer too. */
  missingClosed: number;
  /** Most targets of one run, neither open nor closed in any run, whose state differs from the defaults' first run (filtered against error). */
  otherDiffs: number;
  safe: boolean;
}

/** `npm run bench -- --target ADDR -p PORTS`. */
export interface TargetSection {
  target: string;
  ports: string;
  addresses: number;
  portCount: number;
  runs: number;
  settings: TargetSetting[];
  /** Every port any run found open. */
  opens: number;
  /** Label of the recommended setting, and the one-line reason. */
  recommended: string;
  reason: string;
}
