/** Score a run's records against the ground truth of bench/listeners.ts. */
import { parseIPv4 } from '../src/targets/ip.js';
import type { GroundTruth } from './listeners.js';
import type { Accuracy } from './types.js';

/** The part of a record the score needs (shardscan's ndjson, or parsed nmap output). */
export interface FoundTarget {
  host: string;
  port: number;
  state: string;
}

const MAX_EXAMPLES = 5;

/**
 * Count hits, misses and false opens. Only open and filtered records are
 * scored: closed is what every target without a listener is, and the CLI's
 * counts already say how many there were.
 */
export function score(truth: GroundTruth, found: Iterable<FoundTarget>): Accuracy {
  let foundOpen = 0;
  let foundFiltered = 0;
  let falseOpens = 0;
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };
  for (const r of found) {
    if (r.state !== 'open' && r.state !== 'filtered') continue;
    const host = parseIPv4(r.host);
    const expected = host === null ? 'none' : truth.expectedOf(host, r.port);
    if (expected === 'unknown') continue;
    if (r.state === expected) {
      if (r.state === 'open') foundOpen++;
      else foundFiltered++;
    } else if (r.state === 'open' && expected === 'none') {
      falseOpens++;
      note(`${r.host}:${r.port} open, no listener`);
    } else {
      note(`${r.host}:${r.port} ${r.state}, expected ${expected}`);
    }
  }
  const expected = truth.expectedOpen + truth.expectedFiltered;
  const ratio = expected === 0 ? 1 : (foundOpen + foundFiltered) / expected;
  if (ratio < 1) note(`${expected - foundOpen - foundFiltered} expected target(s) not reported`);
  return {
    expectedOpen: truth.expectedOpen,
    expectedFiltered: truth.expectedFiltered,
    foundOpen,
    foundFiltered,
    falseOpens,
    indeterminate: truth.indeterminate,
    ratio,
    examples,
  };
}

/** True when a run found everything expected and nothing that is not there. */
export function isExact(a: Pick<Accuracy, 'ratio' | 'falseOpens'>): boolean {
  return a.ratio === 1 && a.falseOpens === 0;
}
