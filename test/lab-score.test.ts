/**
 * Scoring a scan against the lab's ground truth (lab/truth.ts), including
 * nmap's "Not shown: 900 filtered, 90 closed", which gives counts, not ports.
 * Pure: no namespaces needed.
 */
import { describe, expect, it } from 'vitest';
import { GroundTruth, score } from '../lab/truth.js';

const H = '198.18.1.2';
// Ports 1-10: 1 open, 2-4 closed, 5-10 filtered.
const truth = new GroundTruth(Array.from({ length: 10 }, (_, i) => [H, i + 1, i === 0 ? 'open' : i < 4 ? 'closed' : 'filtered'] as [string, number, 'open' | 'closed' | 'filtered']));
const all = (states: string[]) => states.map((state, i) => ({ host: H, port: i + 1, state }));

describe('score', () => {
  it('counts an exact answer as exact', () => {
    const s = score(truth, all(['open', 'closed', 'closed', 'closed', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered']));
    expect(s).toMatchObject({ openFound: 1, expectedOpen: 1, falseOpens: 0, missing: 0, exact: true, approximate: false });
  });

  it.each([
    ['a missed open port', ['closed', 'closed', 'closed', 'closed', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered'], { openMissed: 1, openFound: 0 }],
    ['a false open', ['open', 'open', 'closed', 'closed', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered'], { falseOpens: 1 }],
    ['closed taken for filtered', ['open', 'filtered', 'filtered', 'closed', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered'], { closedAsFiltered: 2 }],
    ['filtered taken for closed', ['open', 'closed', 'closed', 'closed', 'closed', 'filtered', 'filtered', 'filtered', 'filtered', 'filtered'], { filteredAsClosed: 1 }],
  ])('counts %s', (_, states, expected) => {
    const s = score(truth, all(states));
    expect(s).toMatchObject({ ...expected, exact: false });
  });

  it('counts targets never reported, and records outside the scan', () => {
    const s = score(truth, [...all(['open', 'closed']), { host: '198.18.1.9', port: 1, state: 'open' }]);
    expect(s).toMatchObject({ missing: 8, unexpected: 1, falseOpens: 0, exact: false });
  });

  it('scores counts at best: only the surplus of a state is a mistake', () => {
    const ports = [2, 3, 4, 5, 6, 7, 8, 9, 10];
    // Right counts: no mistake can be proven.
    expect(score(truth, all(['open']), [{ host: H, ports, counts: { closed: 3, filtered: 6 } }])).toMatchObject({
      missing: 0,
      closedAsFiltered: 0,
      exact: true,
      approximate: true,
    });
    // One closed port reported as filtered, at least.
    expect(score(truth, all(['open']), [{ host: H, ports, counts: { closed: 2, filtered: 7 } }])).toMatchObject({ closedAsFiltered: 1, exact: false });
    // The open port is in the counts: missed, as closed or filtered.
    expect(score(truth, [], [{ host: H, ports: [1, ...ports], counts: { closed: 3, filtered: 7 } }])).toMatchObject({ openMissed: 1, missing: 0 });
  });
});
