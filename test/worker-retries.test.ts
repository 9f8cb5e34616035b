/**
 * Retries by evidence (workers/timing.ts mayRetry): who gets another try, who
 * is decided filtered, and who waits for the retries still out.
 */
import { describe, expect, it } from 'vitest';
import { TimingTotals } from '../src/wire/timing.js';
import { FLOODED, LIMITED, UNSETTLED } from '../workers/congestion-tuning.js';
import { FIRST_TRY } from '../workers/attempt.js';
import { newTiming } from './helpers/timing.js';

const timing = (retries = 6, hostTimeoutMs: number | null = null) => newTiming({ retries, hostTimeoutMs });

/** A host that answered (`firsts` first tries), then `timedOut` first tries that timed out and were retried, `answered` of those retries answered, all resolved. */
function afterRetries(timedOut: number, answered: number, firsts = 1): ReturnType<typeof timing> {
  const h = timing();
  for (let i = 0; i < firsts; i++) h.t.answered(h.cell, 0, 20);
  for (let i = 0; i < timedOut; i++) expect(h.t.mayRetry(h.cell, 0)).toBe('retry');
  for (let i = 0; i < answered; i++) h.t.answered(h.cell, 1, 20);
  for (let i = 0; i < timedOut; i++) h.t.retryResolved(h.cell);
  return h;
}

describe('retries by evidence', () => {
  it('counts the ports --max-retries ends while the evidence asks for another try (nmap: retransmission cap hit), and only those', () => {
    const capHits = (t: ReturnType<typeof timing>['t']): number => {
      const totals = new TimingTotals();
      const packed = t.stats.take();
      if (packed) totals.add(packed);
      return totals.summary().retryCapHits;
    };
    // --max-retries 1 on a lossy path: a retry was answered, so a second try would be sent; the cap ends it.
    const lossy = timing(1);
    lossy.t.answered(lossy.cell, 0, 20);
    expect(lossy.t.mayRetry(lossy.cell, 0)).toBe('retry');
    lossy.t.answered(lossy.cell, 1, 20);
    lossy.t.retryResolved(lossy.cell);
    expect(lossy.t.mayRetry(lossy.cell, 1)).toBe('final');
    expect(capHits(lossy.t)).toBe(1);
    // A firewall's drops: no retry answered, so the evidence ends it after one retry, under the cap of 6: not counted.
    const dropped = timing(6);
    dropped.t.answered(dropped.cell, 0, 20);
    expect(dropped.t.mayRetry(dropped.cell, 0)).toBe('retry');
    dropped.t.retryResolved(dropped.cell);
    expect(dropped.t.mayRetry(dropped.cell, 1)).toBe('final');
    expect(capHits(dropped.t)).toBe(0);
    // --retries 0 on a host that answered, no retry sent or answered anywhere: the cap ended the one retry every
    // port gets, not retries still answered (the summary said "filtered at the --max-retries cap (retries were still answered)").
    const none = timing(0);
    none.t.answered(none.cell, 0, 20);
    expect(none.t.mayRetry(none.cell, 0)).toBe('final');
    expect(capHits(none.t)).toBe(0);
  });

  it('a host whose own retries were not answered gets a second retry once another host\'s was: the path loses packets', () => {
    const { t, cell } = timing();
    const other = t.cellOf(2);
    t.answered(cell, 0, 20);
    t.answered(other, 0, 20);
    expect(t.mayRetry(cell, 0)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 1)).toBe('final'); // no retry answered anywhere: a firewall's drop
    t.answered(other, 1, 20); // the other host's retry was answered
    expect(t.mayRetry(cell, 1)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 2)).toBe('final'); // one more, not more
  });

  it('a host that never answered gets no retry', () => {
    const { t, cell } = timing();
    expect(t.mayRetry(cell, 0)).toBe('final');
  });

  it('a host never heard from gets one retry for a first try lost in a flood, then waits on its other retries', () => {
    const { t, target, cell } = newTiming();
    expect(t.retryVerdict(target, 0, LIMITED)).toBe('final'); // a shrink of the host's own cell: it answered nothing
    expect(t.retryVerdict(target, 0, FLOODED)).toBe('retry'); // position A
    expect(t.retryVerdict(target, 0, FLOODED)).toBe('retry'); // position B
    t.retryResolved(cell); // A's retry timed out, B's is out: one of them may yet hear the host
    expect(t.retryVerdict(target, 1)).toBe('wait');
    t.retryResolved(cell);
    expect(t.retryVerdict(target, 1)).toBe('final');
    // B's retry was answered instead: the host is heard, and A's next try follows the evidence (a limiter's drop).
    t.hostAnswered(target, 1, 20, 0);
    expect(t.retryVerdict(target, 1, LIMITED)).toBe('retry');
  });

  it('an answering host gets a first retry; a second only once some second try was answered', () => {
    const { t, cell } = timing();
    t.answered(cell, 0, 20);
    expect(t.mayRetry(cell, 0)).toBe('retry');
    t.retryResolved(cell); // that retry timed out: nothing out any more
    expect(t.mayRetry(cell, 1)).toBe('final');
    t.answered(cell, 1, 20); // another position's retry was answered
    // (One retry answered of one done: retries pay here, so it is sent twice.)
    expect(t.mayRetry(cell, 1)).toBe('twin');
  });

  it('every timed-out first try of an answering host gets a retry, not a sample of them', () => {
    // Behind a firewall that drops most ports, the few answering ports that
    // lost a packet are among hundreds of timeouts: only retrying all finds them.
    const { t, cell } = timing();
    t.answered(cell, 0, 20);
    for (let i = 0; i < 1000; i++) expect(t.mayRetry(cell, 0)).toBe('retry');
  });

  it('a retry that times out while other retries are out waits for them, then follows their verdict', () => {
    const { t, cell } = timing();
    t.answered(cell, 0, 20);
    expect(t.mayRetry(cell, 0)).toBe('retry'); // position A's retry
    expect(t.mayRetry(cell, 0)).toBe('retry'); // position B's retry
    // A's retry times out first, before B's is answered: not decided yet.
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 1)).toBe('wait');
    // B's retry is answered: retries pay on this host, A gets its next try.
    t.answered(cell, 1, 20);
    t.retryResolved(cell);
    // (One of two retries answered: not enough to send this one twice.)
    expect(t.mayRetry(cell, 1)).toBe('retry');
  });

  it('once every retry out timed out unanswered, the waiting ones are decided', () => {
    const { t, cell } = timing();
    t.answered(cell, 0, 20);
    expect(t.mayRetry(cell, 0)).toBe('retry');
    expect(t.mayRetry(cell, 0)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 1)).toBe('wait');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 1)).toBe('final');
  });

  it('a waiting position waits for the retries out when it timed out, not for those granted since', () => {
    // Lab fwdeep (firewalls over a lossy path): retries granted to other positions kept the host's count of retries
    // out above zero, and thousands of positions waited while the tail went one retry at a time.
    const { t, cell } = timing();
    t.answered(cell, 0, 20);
    expect(t.mayRetry(cell, 0)).toBe('retry'); // position A's retry
    expect(t.mayRetry(cell, 0)).toBe('retry'); // position B's retry
    t.retryResolved(cell); // A's retry timed out
    const a = { waitDone: 0 };
    expect(t.mayRetry(cell, 1, 0, 'no', 0, 0, a)).toBe('wait'); // B's is out
    expect(t.mayRetry(cell, 0)).toBe('retry'); // position C's first try timed out: its retry goes out
    t.retryResolved(cell); // B's retry timed out unanswered
    expect(t.mayRetry(cell, 1, 0, 'no', 0, 0, a)).toBe('final'); // C's retry is out, but it went out after A asked
    expect(a.waitDone).toBe(2);
    expect(t.mayRetry(cell, 1)).toBe('wait'); // a position asking now waits for C's
  });

  it('positions waiting behind a limiter get their retries together once the retries out then are resolved, not one at a time', () => {
    const { t, cell } = timing(4);
    t.answered(cell, 0, 20);
    for (let i = 0; i < 5; i++) expect(t.mayRetry(cell, 0)).toBe('retry');
    t.answered(cell, 1, 20);
    for (let i = 0; i < 4; i++) t.retryResolved(cell); // one retry still out
    const waiting = [{ waitDone: 0 }, { waitDone: 0 }, { waitDone: 0 }];
    for (const w of waiting) expect(t.mayRetry(cell, 2, LIMITED, 'no', 0, 0, w)).toBe('wait');
    t.retryResolved(cell);
    // The first one's retry is out as the others are judged: they did not wait for it.
    for (const w of waiting) expect(t.mayRetry(cell, 2, LIMITED, 'no', 0, 0, w)).toBe('retry');
  });

  /** One position timing out try after try from `from` on, each retry unanswered: the verdicts until it is final. */
  function verdictsFrom(h: ReturnType<typeof timing>, from: number): string[] {
    const out: string[] = [];
    for (let tryNo = from; out.at(-1) !== 'final' && tryNo < 20; tryNo++) {
      out.push(h.t.mayRetry(h.cell, tryNo));
      h.t.retryResolved(h.cell);
    }
    return out;
  }

  it('on a host whose retries mostly get answers, a position may go two tries deeper than the deepest answered', () => {
    // A lossy path: 100 of 10,000 first tries timed out, 99 of their retries answered (the deepest answered: try 1).
    // The hundredth position lost its retry too: a third try and, with no third try answered anywhere yet,
    // a fourth, each sent twice (1 lost in 101 retries is loss, not a firewall).
    expect(verdictsFrom(afterRetries(100, 99, 9_900), 1)).toEqual(['twin', 'twin', 'final']);
  });

  it('where a sixteenth of the retries or more went unanswered, three tries deeper', () => {
    // A lossier path: 10 first tries timed out, 9 of their retries answered; the tenth position then gets a
    // third, a fourth and a fifth try (3 lost in 12 retries by then).
    expect(verdictsFrom(afterRetries(10, 9), 1)).toEqual(['twin', 'twin', 'twin', 'final']);
  });

  it('lab heavyloss (15 % loss each way): a port whose 7th try timed out, on a host whose deepest answered was a 5th, gets an 8th (it was called filtered, ~1 run in 20)', () => {
    const h = timing(10);
    for (let i = 0; i < 257; i++) h.t.answered(h.cell, 0, 2); // the first tries answered (15 % each way loses ~28 %)
    for (let i = 0; i < 100; i++) expect(h.t.mayRetry(h.cell, 0)).toBe('retry');
    for (let i = 0; i < 86; i++) h.t.answered(h.cell, 1, 2);
    h.t.answered(h.cell, 4, 2); // some position's 5th try
    for (let i = 0; i < 100; i++) h.t.retryResolved(h.cell);
    expect(h.t.mayRetry(h.cell, 6)).toBe('twin');
    h.t.retryResolved(h.cell);
    expect(h.t.mayRetry(h.cell, 7)).toBe('final');
  });

  it('behind a firewall (most retries unanswered) a dropped port gets no try past the deepest answered', () => {
    // 100 first tries timed out, 2 of their retries answered.
    const { t, cell } = afterRetries(100, 2);
    expect(t.mayRetry(cell, 1)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 2)).toBe('final');
  });

  it('a retry is sent twice only while most retries of its host get answers', () => {
    // Before any retry resolved there is no evidence: once.
    const fresh = timing();
    fresh.t.answered(fresh.cell, 0, 20);
    expect(fresh.t.mayRetry(fresh.cell, 0)).toBe('retry');
    // 10 retries, 9 answered: a lossy path.
    const lossy = afterRetries(10, 9);
    expect(lossy.t.mayRetry(lossy.cell, 0)).toBe('twin');
    // 10 retries, 6 answered: 6 < 2 × 4, more like ports that drop than a path that loses.
    const mixed = afterRetries(10, 6);
    expect(mixed.t.mayRetry(mixed.cell, 0)).toBe('retry');
    // A firewall: 100 retries, 2 answered.
    const firewall = afterRetries(100, 2);
    expect(firewall.t.mayRetry(firewall.cell, 0)).toBe('retry');
  });

  it('--retries is the limit, retries out or not', () => {
    const { t, cell } = timing(1);
    t.answered(cell, 0, 20);
    expect(t.mayRetry(cell, 0)).toBe('retry');
    expect(t.mayRetry(cell, 0)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 1)).toBe('final');
  });

  it('a host --host-timeout gave up on gets no retry', () => {
    const { t, cell, target } = timing(6, 1);
    t.answered(cell, 0, 20);
    t.clock.givenUp(target, 0);
    expect(t.clock.givenUp(target, 10)).toBe(true);
    expect(t.clock.isGivenUp(target)).toBe(true);
    expect(t.mayRetry(cell, 0)).toBe('retry');
    expect(t.retryVerdict(target, 0)).toBe('final');
  });

  it('a try lost in a flood a window shrank for, or behind a window below two probes, is tried again where the evidence ended it, up to --retries', () => {
    // Behind a limiter several hosts share: the deepest try answered is a 2nd, and this port's 3rd timed out with no retry out.
    const { t, cell } = timing(4);
    t.answered(cell, 0, 20);
    for (let i = 0; i < 5; i++) expect(t.mayRetry(cell, 0)).toBe('retry');
    t.answered(cell, 1, 20);
    for (let i = 0; i < 5; i++) t.retryResolved(cell);
    expect(t.mayRetry(cell, 2)).toBe('final'); // the evidence: a 2nd try answered, a 3rd did not
    expect(t.mayRetry(cell, 2, LIMITED)).toBe('retry'); // it left before the shrink
    expect(t.mayRetry(cell, 2, LIMITED)).toBe('wait'); // another port's, while that retry is out (as without a limiter)
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 3, LIMITED)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 4, LIMITED)).toBe('final'); // --retries 4
  });

  it('tries the opening flood lost (Tries.flood) count toward --retries only behind a limiter, and up to --retries of them more', () => {
    // Behind 10 SYNs/s: 4 of this port's tries left at the windows' maximum, before the first shrink.
    const { t, cell } = timing(4);
    t.answered(cell, 0, 20);
    t.answered(cell, 3, 20); // some port answered at its 4th try
    expect(t.mayRetry(cell, 4, LIMITED, 'no', 0, 0)).toBe('final'); // --retries 4, none lost in the flood
    expect(t.mayRetry(cell, 4, 0, 'no', 0, 4)).toBe('final'); // lost in a flood, but no limiter's drop: the cap stands
    expect(t.mayRetry(cell, 4, LIMITED, 'no', 0, 2)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 5, LIMITED, 'no', 0, 2)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 6, LIMITED, 'no', 0, 2)).toBe('final'); // 4 + the 2 the flood lost
    // Never more than --retries again, however many the flood lost; --retries 0 stays one try.
    expect(t.mayRetry(cell, 7, LIMITED, 'no', 0, 9)).toBe('retry');
    t.retryResolved(cell);
    expect(t.mayRetry(cell, 8, LIMITED, 'no', 0, 9)).toBe('final');
    const none = timing(0);
    none.t.answered(none.cell, 0, 20);
    expect(none.t.mayRetry(none.cell, 0, LIMITED, 'no', 0, 1)).toBe('final');
  });

  it('a limiter\'s drop (LIMITED) gives an answering host more tries, not a silent one (it may be dead; FLOODED: above)', () => {
    const { t, cell, target } = timing();
    expect(t.retryVerdict(target, 0, LIMITED)).toBe('final');
    t.answered(cell, 0, 20);
    t.heard(target);
    expect(t.retryVerdict(target, 0, LIMITED)).toBe('retry');
    t.retryResolved(cell);
    expect(t.retryVerdict(target, 1)).toBe('final'); // no retry answered: the evidence ends it
    expect(t.retryVerdict(target, 1, LIMITED)).toBe('retry');
  });

  it('a try lost while the scan showed loss no window has shrunk for yet (UNSETTLED) waits instead of being decided, up to --retries', () => {
    // 50 SYNs/s shared by 4 hosts: a host heard once, whose first 3 tries all left in the opening flood, before any shrink.
    const { t, cell, target } = timing(4);
    t.answered(cell, 0, 20);
    t.heard(target);
    t.answered(t.cellOf(2), 1, 20); // another host's retry answered: the path loses packets
    expect(t.retryVerdict(target, 0)).toBe('retry');
    expect(t.retryVerdict(target, 1)).toBe('retry');
    for (let i = 0; i < 2; i++) t.retryResolved(cell);
    expect(t.retryVerdict(target, 2)).toBe('final'); // the evidence alone: a whole host filtered in ~1 run of 6
    expect(t.retryVerdict(target, 2, UNSETTLED)).toBe('wait');
    expect(t.retryVerdict(target, 2, UNSETTLED | LIMITED)).toBe('retry'); // judged again once a window shrank after it left
    t.retryResolved(cell);
    expect(t.retryVerdict(target, 4, UNSETTLED)).toBe('final'); // --retries 4
    const silent = { ...target, index: 3, cell: t.cellOf(3), clock: t.clock.clockOf(3) };
    expect(t.retryVerdict(silent, 0, UNSETTLED)).toBe('final'); // a host never heard from: no retry, as before
  });

  it('a host that never answered itself gets no retry, though its cell answered', () => {
    const { t, cell, target } = timing();
    t.answered(cell, 0, 20);
    expect(t.retryVerdict(target, 0)).toBe('final');
    t.heard(target);
    expect(t.retryVerdict(target, 0)).toBe('retry');
  });
});

describe('a host that woke up, its answers read after a stall', () => {
  it.each([
    // The thread stalled past the deadline; in the turn it woke it read the host's first answers (poll phase), then
    // the sleeper's timeout (check phase). By then the host was heard from, yet it answered nothing before 1,000 ms.
    ["its sleepers' retries are no loss though the thread read its first answers before their timeouts (CI: a shrink)", 1500, false],
    ["a first try lost at the scan's start, while the host answered others before its deadline, is loss (a SYN limit)", 20, true],
  ])('%s', (_, answeredAt, loss) => {
    const { t, target } = timing();
    // A first try sent while the host had answered nothing, its timeout at 1,000 ms.
    const h = t.startHistory(target, FIRST_TRY);
    expect(h.silent).toBe(true);
    t.hostAnswered(target, 0, 20, answeredAt);
    t.timedOut(target, h, 1000);
    expect(t.retryVerdict(target, 0)).toBe('retry');
    expect(t.retryAnswerIsLoss(target, { ...h, tries: 1 })).toBe(loss);
  });
});
