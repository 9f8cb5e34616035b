/**
 * Ground truth of a lab scan and the score of a scanner's answers against it:
 * open found, false opens, closed ↔ filtered mistakes, targets never reported.
 */
import type { PortTruth } from './rules.js';

/** What one scanner said about one target (shardscan ndjson, nmap -oG, cscan lines). */
export interface Reported {
  host: string;
  port: number;
  state: string;
  reason?: string;
}

/**
 * Counts without ports: "of these ports of `host`, N were filtered, M closed"
 * (nmap's "Not shown: 900 filtered, 90 closed").
 */
export interface Bulk {
  host: string;
  ports: readonly number[];
  counts: Record<string, number>;
}

/** The expected state of every host:port of a scan. */
export class GroundTruth {
  readonly counts: Record<PortTruth, number> = { open: 0, closed: 0, filtered: 0 };
  private readonly map = new Map<string, PortTruth>();

  constructor(entries: Iterable<[host: string, port: number, state: PortTruth]>) {
    for (const [host, port, state] of entries) {
      const key = `${host}:${port}`;
      if (this.map.has(key)) continue;
      this.map.set(key, state);
      this.counts[state]++;
    }
  }

  /** Number of targets. */
  get size(): number {
    return this.map.size;
  }

  /** The expected state, or undefined for a target outside this scan. */
  expectedOf(host: string, port: number): PortTruth | undefined {
    return this.map.get(`${host}:${port}`);
  }

  /** "host:port" of every expected open port, sorted. */
  open(): string[] {
    return [...this.map].filter(([, s]) => s === 'open').map(([k]) => k).sort();
  }
}

/** How a scanner did against the truth. */
export interface Score {
  targets: number;
  expectedOpen: number;
  /** Open ports reported open. */
  openFound: number;
  /** Reported open but not open. */
  falseOpens: number;
  /** Expected closed, reported filtered (typically: an answer lost or rate-limited). */
  closedAsFiltered: number;
  /** Expected filtered, reported closed. */
  filteredAsClosed: number;
  /** Expected open, reported closed or filtered. */
  openMissed: number;
  /** Targets with no state reported at all. */
  missing: number;
  /** Records for targets outside the scan, and states that are not open/closed/filtered. */
  unexpected: number;
  /** Every target reported, with its expected state. */
  exact: boolean;
  /**
   * Part of the answer came as counts only (Bulk): those targets are scored
   * at best, matching counts before calling anything a mistake.
   */
  approximate: boolean;
  examples: string[];
}

/** A scenario's counts as both the lab's and the bench's tables give them: "20 open, 9,980 closed, 0 filtered of 10,000". */
export function truthText(t: { targets: number; open: number; closed: number; filtered: number }): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return `${n(t.open)} open, ${n(t.closed)} closed, ${n(t.filtered)} filtered of ${n(t.targets)}`;
}

/** Score the records of one run; a target reported twice counts by its last record. */
export function score(truth: GroundTruth, reported: Iterable<Reported>, bulk: readonly Bulk[] = []): Score {
  const last = new Map<string, Reported>();
  let unexpected = 0;
  const examples: string[] = [];
  const note = (s: string) => void (examples.length < 5 && examples.push(s));
  for (const r of reported) {
    if (truth.expectedOf(r.host, r.port) === undefined) {
      unexpected++;
      note(`${r.host}:${r.port} ${r.state} is not in the scan`);
      continue;
    }
    last.set(`${r.host}:${r.port}`, r);
  }
  const s: Score = {
    targets: truth.size,
    expectedOpen: truth.counts.open,
    openFound: 0,
    falseOpens: 0,
    closedAsFiltered: 0,
    filteredAsClosed: 0,
    openMissed: 0,
    missing: truth.size - last.size,
    unexpected,
    exact: false,
    approximate: bulk.length > 0,
    examples,
  };
  for (const [key, r] of last) {
    const [host, port] = [r.host, r.port];
    const want = truth.expectedOf(host, port)!;
    if (r.state === want) {
      if (want === 'open') s.openFound++;
      continue;
    }
    note(`${key} ${r.state}${r.reason ? ` (${r.reason})` : ''}, expected ${want}`);
    if (r.state === 'open') s.falseOpens++;
    else if (want === 'open') s.openMissed++;
    else if (want === 'closed' && r.state === 'filtered') s.closedAsFiltered++;
    else if (want === 'filtered' && r.state === 'closed') s.filteredAsClosed++;
    else s.unexpected++;
  }
  for (const b of bulk) scoreBulk(truth, b, last, s);
  if (s.missing > 0) note(`${s.missing} target(s) not reported`);
  s.exact = s.missing === 0 && s.unexpected === 0 && s.falseOpens === 0 && s.openMissed === 0 && s.closedAsFiltered === 0 && s.filteredAsClosed === 0;
  return s;
}

/**
 * Score counts against the truth of the ports they cover, at best: each state
 * first takes the ports that really are in it; what is left over is a mistake.
 */
function scoreBulk(truth: GroundTruth, b: Bulk, seen: ReadonlyMap<string, Reported>, s: Score): void {
  const want: Record<string, number> = { open: 0, closed: 0, filtered: 0 };
  let covered = 0;
  for (const port of b.ports) {
    if (seen.has(`${b.host}:${port}`)) continue;
    const t = truth.expectedOf(b.host, port);
    if (t === undefined) continue;
    want[t]!++;
    covered++;
  }
  const claimed = { ...b.counts };
  let claimedTotal = 0;
  for (const state of Object.keys(claimed)) {
    claimedTotal += claimed[state]!;
    const right = Math.min(claimed[state]!, want[state] ?? 0);
    claimed[state]! -= right;
    if (state in want) want[state]! -= right;
    if (state === 'open') s.openFound += right;
  }
  const take = (from: string, to: string) => {
    const n = Math.min(claimed[from] ?? 0, want[to] ?? 0);
    if (n > 0) claimed[from]! -= n, (want[to]! -= n);
    return n;
  };
  s.closedAsFiltered += take('filtered', 'closed');
  s.filteredAsClosed += take('closed', 'filtered');
  s.openMissed += take('closed', 'open') + take('filtered', 'open');
  s.falseOpens += take('open', 'closed') + take('open', 'filtered');
  s.unexpected += Object.values(claimed).reduce((a, n) => a + n, 0);
  s.missing -= Math.min(covered, claimedTotal);
  if (claimedTotal !== covered) s.examples.length < 5 && s.examples.push(`${b.host}: counts cover ${claimedTotal} of ${covered} ports`);
}
