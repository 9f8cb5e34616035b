/**
 * Retries the path's loss asks for (workers/path-loss.ts, through timing.ts
 * mayRetry): a port of a firewalled host that never answered gets as many
 * tries as the share of the scan's answers that came only to retries says an
 * answering port needs.
 */
import { describe, expect, it } from 'vitest';
import { TimingTotals } from '../src/wire/timing.js';
import { newTiming } from './helpers/timing.js';

/** A host heard from (answered on one port), and another host with `first` answers to first tries and `retried` to retries. */
function scan(first: number, retried: number, retries = 10): ReturnType<typeof newTiming> & { other: number } {
  const h = newTiming({ retries });
  const other = h.t.cellOf(2);
  h.t.answered(h.cell, 0, 20);
  for (let i = 0; i < first; i++) h.t.answered(other, 0, 20);
  for (let i = 0; i < retried; i++) h.t.answered(other, 1, 20);
  return { ...h, other };
}

/** The verdicts of one port of the firewalled host, try after try, each retry resolved unanswered before the next timeout. */
function verdicts(h: ReturnType<typeof scan>): string[] {
  const out: string[] = [];
  for (let tryNo = 0; tryNo < 12; tryNo++) {
    const v = h.t.mayRetry(h.cell, tryNo);
    out.push(v);
    if (v === 'final') break;
    h.t.retryResolved(h.cell);
  }
  return out;
}

describe('retries by the path\'s loss', () => {
  it('a fifth of the answers only to retries, read from 51: taken two standard errors high (0.31), seven tries for a port never answered (51 × 0.31^7 < 1/32)', () => {
    expect(verdicts(scan(40, 10))).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'final']);
  });

  it('the tries asked for keep the expected losses of the scan, not of each port, under 1/32: more answers, more tries', () => {
    // p = 0.14, as 100 answers read it on a path where it is 0.19, taken two standard errors high: 0.21, and
    // 100 × 0.21^6 < 1/32 < 100 × 0.21^5. As read, five tries: a port lost all five in ~1 run of 40 (lab fwloss).
    expect(verdicts(scan(85, 14))).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'final']);
    // The same share over 1,000 answers is read closely (0.16): 1,000 × 0.16^6 < 1/32 < 1,000 × 0.16^5.
    expect(verdicts(scan(859, 140))).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'final']);
  });

  it('no answer to a retry anywhere: one retry, as before (a firewall\'s drops on a clean path)', () => {
    expect(verdicts(scan(50, 0))).toEqual(['retry', 'final']);
  });

  it('a few retries answered among many answers: the host\'s own rule stands (a retry for the path\'s loss, no more)', () => {
    // 4 of 1,000: 1,000 × 0.004^2 < 1/32, so two tries; the other host's answered retries give the same.
    expect(verdicts(scan(996, 4))).toEqual(['retry', 'retry', 'final']);
  });

  it('too little evidence (fewer than 32 answers) asks for nothing more', () => {
    expect(verdicts(scan(10, 10))).toEqual(['retry', 'retry', 'final']);
  });

  it('--retries still caps it, and that is no retransmission cap hit (the host\'s own evidence asked for no more)', () => {
    const h = scan(40, 10, 2);
    expect(verdicts(h)).toEqual(['retry', 'retry', 'final']);
    const totals = new TimingTotals();
    const packed = h.t.stats.take();
    if (packed) totals.add(packed);
    expect(totals.summary().retryCapHits).toBe(0);
    expect(totals.summary().retries).toBe(2);
  });
});
