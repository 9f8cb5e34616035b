/**
 * The summary's timing percentiles stay inside the samples' range: a bucket's
 * upper bound can lie up to 19 % above every sample (one 1,000 ms timeout was
 * reported as "1102.18 ms", above a --timeout 1s ceiling).
 */
import { describe, expect, it } from 'vitest';
import { TimingStats, TimingTotals } from '../src/wire/timing.js';

describe('timing percentiles', () => {
  it('one value is reported as itself, not as its bucket bound', () => {
    const w = new TimingStats();
    for (let i = 0; i < 10; i++) w.timeout(1000);
    w.rtt(3.62);
    const totals = new TimingTotals();
    totals.add(w.take()!);
    const s = totals.summary();
    expect(s.timeout).toEqual({ samples: 10, p50: 1000, p90: 1000, p99: 1000 });
    expect(s.rtt).toEqual({ samples: 1, p50: 3.62, p90: 3.62, p99: 3.62 });
  });

  it('the range spans every worker and every message; percentiles stay within it', () => {
    const a = new TimingStats();
    const b = new TimingStats();
    const totals = new TimingTotals();
    for (let i = 0; i < 100; i++) a.rtt(20 + (i % 5));
    totals.add(a.take()!);
    a.timeout(150);
    totals.add(a.take()!);
    b.rtt(250);
    b.timeout(400);
    totals.add(b.take()!);
    const s = totals.summary();
    expect(s.rtt!.samples).toBe(101);
    expect(s.rtt!.p50).toBeGreaterThanOrEqual(20);
    expect(s.rtt!.p50).toBeLessThanOrEqual(24 * 1.19);
    expect(s.rtt!.p99).toBeLessThanOrEqual(250);
    expect(s.timeout!.samples).toBe(2);
    expect(s.timeout!.p50).toBeGreaterThanOrEqual(150);
    expect(s.timeout!.p50).toBeLessThanOrEqual(150 * 1.19);
    expect(s.timeout!.p99).toBe(400);
  });

  it('places a percentile inside its bucket by rank, not at the bucket\'s top (100 answers of 200-205 ms read "p50 209.18")', () => {
    const w = new TimingStats();
    for (let i = 0; i < 100; i++) w.rtt(200 + i * 0.05);
    w.rtt(300); // a slower answer, so the largest sample does not cap the bucket
    const totals = new TimingTotals();
    totals.add(w.take()!);
    const rtt = totals.summary().rtt!;
    expect(rtt.p50).toBeGreaterThanOrEqual(200);
    expect(rtt.p50).toBeLessThanOrEqual(205);
    expect(rtt.p90).toBeGreaterThan(rtt.p50);
    expect(rtt.p90).toBeLessThanOrEqual(209.2);
    expect(rtt.p99).toBeLessThanOrEqual(300);
  });

  it('each message carries its own range, also for the timeout the worker keeps using', () => {
    const w = new TimingStats();
    w.timeout(150);
    w.take();
    w.timeout(150);
    const totals = new TimingTotals();
    totals.add(w.take()!);
    expect(totals.summary().timeout).toEqual({ samples: 1, p50: 150, p90: 150, p99: 150 });
  });

  it('a message with nothing in it is null, and adds nothing', () => {
    const w = new TimingStats();
    expect(w.take()).toBeNull();
    const totals = new TimingTotals();
    expect(totals.summary().rtt).toBeNull();
    // Once something was taken, the next take has nothing new: the totals stay as one sample made them.
    w.rtt(5);
    totals.add(w.take()!);
    expect(w.take()).toBeNull();
    expect(totals.summary().rtt).toEqual({ samples: 1, p50: 5, p90: 5, p99: 5 });
  });
});

describe('timer lateness', () => {
  it('adds up across workers, with percentiles in the samples\' range and the largest sample itself', () => {
    const a = new TimingStats();
    const b = new TimingStats();
    for (let i = 0; i < 98; i++) a.late(0.2);
    a.late(1.3);
    b.late(7.25);
    const totals = new TimingTotals();
    totals.add(a.take()!);
    totals.add(b.take()!);
    const late = totals.summary().timerLate!;
    expect(late.samples).toBe(100);
    expect(late.p50).toBeGreaterThanOrEqual(0.2);
    expect(late.p50).toBeLessThanOrEqual(0.2 * 1.19);
    expect(late.p99).toBeGreaterThanOrEqual(1.3);
    expect(late.p99).toBeLessThanOrEqual(1.3 * 1.19);
    expect(late.max).toBe(7.25);
    // Only lateness: the timeouts themselves and the round trips are untouched.
    expect(totals.summary().timeout).toBeNull();
    expect(totals.summary().rtt).toBeNull();
  });

  it('is null when no timeout ran out, and 0 ms late counts as a sample', () => {
    const totals = new TimingTotals();
    expect(totals.summary().timerLate).toBeNull();
    const w = new TimingStats();
    w.late(0);
    totals.add(w.take()!);
    expect(totals.summary().timerLate).toEqual({ samples: 1, p50: 0, p90: 0, p99: 0, max: 0 });
  });
});

describe('timing histograms (--metrics)', () => {
  it('add up across workers and messages, bucket by bucket, with the sums of their samples', () => {
    const a = new TimingStats();
    const b = new TimingStats();
    const totals = new TimingTotals();
    a.rtt(1.5);
    a.rtt(2.5);
    a.timeout(300);
    totals.add(a.take()!);
    a.rtt(400);
    totals.add(a.take()!);
    b.rtt(1.5);
    b.timeout(300);
    b.timeout(900);
    totals.add(b.take()!);
    const h = totals.histograms();
    expect(h.rtt.counts.reduce((x, y) => x + y, 0)).toBe(4);
    expect(h.rtt.sumMs).toBeCloseTo(405.5, 9);
    expect(h.timeout.counts.reduce((x, y) => x + y, 0)).toBe(3);
    expect(h.timeout.sumMs).toBe(1500);
    // Both 1.5 ms samples in one bucket; 2.5 and 400 ms in others.
    expect(h.rtt.counts.filter((n) => n > 0)).toEqual([2, 1, 1]);
  });
});
