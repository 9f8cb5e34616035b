/**
 * When a host that answered is in an outage (workers/outage.ts): first tries
 * sent since its last answer that all timed out, more than its own share of
 * unanswered first tries explains. A firewall that drops most ports is not
 * one, nor a silence before the host answered, nor anything in a serial walk;
 * one over OUTAGE_MAX_MS is "over" (the host gone); an answer ends it, dates
 * it for the tries sent during it (sentInOutage), and takes its lost tries
 * out of the host's share.
 */
import { describe, expect, it } from 'vitest';
import { F, HostTable, createHostTable } from '../src/wire/hosts.js';
import { TimingTotals } from '../src/wire/timing.js';
import { FIRST_TRY } from '../workers/attempt.js';
import { OUTAGE_MAX_MS, firstTryLost, outageAnswered, outageOf, sentInOutage, silenceUnjudged } from '../workers/outage.js';
import { newTiming } from './helpers/timing.js';

function table(): HostTable {
  return new HostTable(createHostTable(1, 1024), 1);
}
/** `n` first tries answered at time `at`, then `lost` first tries sent at `sentAt` that timed out. */
function history(t: HostTable, n: number, at: number, lost: number, sentAt: number): void {
  for (let i = 0; i < n; i++) outageAnswered(t, t.cellOf(0), 0, at);
  for (let i = 0; i < lost; i++) firstTryLost(t, t.cellOf(0), sentAt);
}

describe('a host outage', () => {
  it('a host that answered every first try, then 4 in a row lost since its last answer: on, then over after OUTAGE_MAX_MS', () => {
    const t = table();
    history(t, 100, 1000, 3, 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
    firstTryLost(t, t.cellOf(0), 1002);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('on');
    expect(outageOf(t, t.cellOf(0), 1000 + OUTAGE_MAX_MS)).toBe('over');
  });

  it('tries sent before the last answer are no part of it', () => {
    const t = table();
    history(t, 100, 1000, 50, 999);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
  });

  it('a firewall that drops 9 of 10 first tries needs a run its share does not explain (0.9^n < 1/10,000: 88)', () => {
    const t = table();
    history(t, 100, 1000, 900, 500); // its history: 100 answered, 900 dropped before the last answer
    for (let i = 0; i < 87; i++) firstTryLost(t, t.cellOf(0), 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
    firstTryLost(t, t.cellOf(0), 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('on');
  });

  it('fewer than 8 first tries answered: never one', () => {
    const t = table();
    history(t, 7, 1000, 50, 1001);
    expect(outageOf(t, t.cellOf(0), 1200)).toBe('none');
  });

  it('an answer ends it, and dates it: a try sent during it may be tried again', () => {
    const t = table();
    history(t, 100, 1000, 20, 1001);
    expect(outageOf(t, t.cellOf(0), 3000)).toBe('on');
    outageAnswered(t, t.cellOf(0), 1, 7000);
    expect(outageOf(t, t.cellOf(0), 7001)).toBe('none');
    expect(sentInOutage(t, t.cellOf(0), 999)).toBe(false);
    expect(sentInOutage(t, t.cellOf(0), 5000)).toBe(true);
    expect(sentInOutage(t, t.cellOf(0), 7000)).toBe(false);
  });

  // A flapping host: the first outage's lost tries counted in its share, and its second outage needed 10 in a row.
  it("an outage's lost tries are not the host's share when the next one comes", () => {
    const t = table();
    history(t, 100, 1000, 2000, 1001);
    outageAnswered(t, t.cellOf(0), 0, 3000);
    for (let i = 0; i < 4; i++) firstTryLost(t, t.cellOf(0), 3001);
    expect(outageOf(t, t.cellOf(0), 3200)).toBe('on');
  });

  it('an answer after a silence that was no outage dates nothing', () => {
    const t = table();
    history(t, 100, 1000, 2, 1001);
    outageAnswered(t, t.cellOf(0), 0, 2000);
    expect(sentInOutage(t, t.cellOf(0), 1500)).toBe(false);
  });

  it('retries: a position past its tries is held, one held at a time pings (spending no try), and after it each gets one more try', () => {
    const { t, cell, target } = newTiming({ retries: 6 });
    for (let i = 0; i < 20; i++) t.hostAnswered(target, 0, 20, performance.now());
    const later = performance.now() + 1;
    for (let i = 0; i < 4; i++) t.ranOut(target, FIRST_TRY, later, later + 100);
    // Its tries ran out (one retry, the evidence's), in the outage: held, counted once; a first try too (2 held).
    expect(t.retryVerdict(target, 1)).toBe('hold');
    expect(t.retryVerdict(target, 0)).toBe('hold');
    // Judged again while held, no retry out: a ping; the ping's own timeout is held again, not counted.
    expect(t.retryVerdict(target, 1, 0, 'yes')).toBe('ping');
    expect(t.retryVerdict(target, 1, 0, 'yes')).toBe('hold'); // the ping is out
    expect(t.retryVerdict(target, 1, 0, 'ping')).toBe('hold');
    t.retryResolved(cell);
    // It answers again: a held position gets one more try; a position never held is decided as before.
    t.hostAnswered(target, 0, 20, performance.now());
    expect(t.retryVerdict(target, 1, 0, 'yes')).toBe('retry');
    t.retryResolved(cell);
    expect(t.retryVerdict(target, 1)).toBe('final');
    const totals = new TimingTotals();
    totals.add(t.stats.take()!);
    expect(totals.summary().portsHeld).toBe(2);
  });

  it('a silence too short to judge: a last try sent after the last answer waits while fewer than 4 first tries timed out in it', () => {
    const t = table();
    const cell = t.cellOf(0);
    t.set(cell, F.ANSWERED, 1);
    // 100 first tries answered, one every 10 ms up to 991 ms; then one sent at 995 timed out: a run of 1.
    for (let i = 0; i < 100; i++) outageAnswered(t, cell, 0, 1 + 10 * i);
    firstTryLost(t, cell, 995);
    // No live port: twice the time 4 first tries take to leave and time out, 2 × (100 + 4 × 9.9) ms from the last answer.
    expect(silenceUnjudged(t, cell, 1000, 1100, 100)).toBe(true);
    expect(silenceUnjudged(t, cell, 1000, 991 + 280, 100)).toBe(false);
    // A port it answered on: pings judge it, for up to OUTAGE_MAX_MS.
    t.set(cell, F.LIVE_PORT, 81);
    expect(silenceUnjudged(t, cell, 1000, 991 + 280, 100)).toBe(true);
    expect(silenceUnjudged(t, cell, 1000, 991 + OUTAGE_MAX_MS, 100)).toBe(false);
    // Sent before the last answer; a run of 4, which outageOf judges; fewer than 8 answered: decided as before.
    expect(silenceUnjudged(t, cell, 990, 1100, 100)).toBe(false);
    for (let i = 0; i < 3; i++) firstTryLost(t, cell, 996);
    expect(silenceUnjudged(t, cell, 1000, 1100, 100)).toBe(false);
    const few = table();
    for (let i = 0; i < 7; i++) outageAnswered(few, few.cellOf(0), 0, 1 + 10 * i);
    firstTryLost(few, few.cellOf(0), 100);
    expect(silenceUnjudged(few, few.cellOf(0), 100, 150, 100)).toBe(false);
  });

  it('nor behind a firewall whose drops explain a run of 4 (a share of 0.1 or more)', () => {
    const t = table();
    history(t, 90, 1000, 10, 500);
    firstTryLost(t, t.cellOf(0), 1001);
    expect(silenceUnjudged(t, t.cellOf(0), 1001, 1100, 100)).toBe(false);
    const quieter = table();
    history(quieter, 91, 1000, 9, 500);
    firstTryLost(quieter, quieter.cellOf(0), 1001);
    expect(silenceUnjudged(quieter, quieter.cellOf(0), 1001, 1100, 100)).toBe(true);
  });

  it('retries: a last try in a silence too short to judge pings the live port when no retry is out, else waits; an answer decides it', () => {
    const { t, cell, target } = newTiming({ retries: 6 });
    const now = performance.now();
    for (let i = 0; i < 20; i++) t.hostAnswered(target, 0, 20, now, false, false, 80); // resets from port 80
    expect(t.livePort(target)).toBe(80);
    const sent = now + 1;
    t.ranOut(target, FIRST_TRY, sent, sent + 100); // a run of 1
    expect(t.retryVerdict(target, 1, 0, 'no', sent)).toBe('ping');
    expect(t.retryVerdict(target, 1, 0, 'no', sent)).toBe('wait'); // the ping is out
    t.retryResolved(cell);
    t.hostAnswered(target, 0, 20, sent + 50, false, false, 80); // the ping's answer (as loop.ts gives it): the host is up
    expect(t.retryVerdict(target, 1, 0, 'no', sent)).toBe('final');
  });

  it("the live port: a SYN-ACK's is kept over later resets' (a host may limit its resets, never its handshakes)", () => {
    const { t, target } = newTiming({ retries: 6 });
    const now = performance.now();
    t.hostAnswered(target, 0, 20, now, false, false, 81);
    expect(t.livePort(target)).toBe(81);
    t.hostAnswered(target, 0, 20, now, false, true, 443);
    t.hostAnswered(target, 0, 20, now, false, false, 82);
    expect(t.livePort(target)).toBe(443);
    t.hostAnswered(target, 0, 20, now, false, true, 0); // port 0 too
    expect(t.livePort(target)).toBe(0);
  });

  it('an ICMP error names no live port: a silence is then waited out, never pinged', () => {
    const { t, target } = newTiming({ retries: 6 });
    const now = performance.now();
    for (let i = 0; i < 20; i++) t.hostAnswered(target, 0, 20, now, false, false); // host-unreachable from a router
    expect(t.livePort(target)).toBe(-1);
    const sent = now + 1;
    t.ranOut(target, FIRST_TRY, sent, sent + 100);
    expect(t.retryVerdict(target, 1, 0, 'no', sent)).toBe('wait');
  });

  // --order serial: 20 ports that answer, then 980 a firewall drops, were held to the 10 s cap.
  it('a serial walk counts no run', () => {
    const { t, target } = newTiming({ retries: 6, randomOrder: false });
    for (let i = 0; i < 20; i++) t.hostAnswered(target, 0, 20, performance.now());
    const later = performance.now() + 1;
    for (let i = 0; i < 50; i++) t.ranOut(target, FIRST_TRY, later, later + 100);
    expect(t.retryVerdict(target, 1)).toBe('final');
  });
});
