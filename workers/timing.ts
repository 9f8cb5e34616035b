/**
 * Per-host adaptive timing over the host table every worker shares
 * (src/wire/hosts.ts): timeouts and retries (--host-timeout: host-clock.ts; an
 * outage: outage.ts). Windows and pacing are congestion.ts.
 *
 * Timeouts: srtt and rttvar come from nmap's estimator (rtt.ts, which keeps
 * the formulas), fed by every answer; a host's timeout follows it only once
 * the host completed a handshake (answered: resets and ICMP errors may come
 * from nearer). The timeout is srtt + 4·max(rttvar, floor), with a floor
 * of max(2 ms, srtt/32): on a link without jitter rttvar shrinks to almost
 * nothing and an answer a little late would become "filtered". Our own load
 * needs no margin here: deadlines are decided only up to the start of the
 * loop turn's poll phase (loop.ts), so an answer that was waiting in the
 * kernel is read first (without that rule, srtt/32 made a scan at 400 ms send
 * hundreds of needless retries in some runs; srtt/8 cost a firewalled host at
 * 200 ms 170 ms). The timeout is also never below the longest recent round
 * trip + 1/16 (a max filter over the last one or two intervals of
 * max(4·srtt, 250 ms)): a burst of probes is answered in order of round trip,
 * shortest first, so while it lands srtt and rttvar see only the short half.
 * At RTT 200 ± 180 ms that cut 2,700 of 5,000 first tries short (their
 * answers were on the way) and made the retries look like loss (9-11 s
 * against 1.3 s). Deadlines are judged by the current estimate when they fall
 * due (expiry.ts), so one set while the burst was landing moves out when it
 * has grown since. A host without samples of its own uses the initial timeout
 * (or the scan's estimate, if longer): hosts of one scan may be 1 ms or 300 ms
 * away, and only a host's own answer says which. Attempts started on a timeout
 * are retimed when their host's estimate falls (see generation()). Always
 * within [min, max] and the user's --timeout.
 *
 * Retries by evidence: a probe that timed out is tried again only on a host
 * that has answered something (a silent host costs one timeout per port; see
 * retryVerdict for one a flood hid), and only as often as retries on that host
 * have been worth it: the n-th retry is allowed once an (n−1)-th try got an
 * answer (nmap's max_successful_tryno), at least one retry, at most --retries.
 * Every timed-out position of such a host gets its first retry: behind a
 * firewall that drops 900 of 1,000 ports, the few answering ports that lost a
 * packet are found only that way (32 sample retries, this code's earlier rule,
 * missed them in 3 runs of 4 at 2 % loss; the retries cost no extra round
 * trip). A try that times out just past the last try answered waits while other
 * retries to its host are out: the first of a round of retries to time out
 * often does so before the others are answered, and deciding it then called a
 * closed port filtered on a lossy path. On a host whose retries mostly get
 * answers (a path that loses packets, not a firewall that drops ports), a
 * position may go two tries deeper than the deepest try answered: at 2 % loss
 * each way, ~16 of 10,000 ports need a third try, and the first of them to lose
 * it found no third try answered yet and no retry out, so it was called
 * filtered (once in ~67 runs). Where a sixteenth of its retries or more went
 * unanswered, three deeper: at 15 % loss each way (lab heavyloss, ~14 % of
 * retries unanswered) a port of the 2 ms host lost all 7 of its tries, the
 * host's deepest answered being a 5th, in ~1 run of 20; three deeper for every
 * lossy host made loss2, longloss and mixloss ~5 % slower (a last round of
 * retries at the end). Behind a firewall most retries time out, and the dropped
 * ports cost no extra try, unless the scan's answers say the path loses
 * packets (path-loss.ts: then as many as an answering port would need). On a
 * host whose retries mostly get answers a retry is also sent twice
 * ('twin', see twins.ts): a lost retry costs a whole timeout more, and two
 * copies are both lost 25 times less often.
 */
import { F, HOST_FLAG, type HostTable } from '../src/wire/hosts.js';
import type { TimingParams } from '../src/wire/messages.js';
import { TimingStats } from '../src/wire/timing.js';
import { FIRST_TRY, type Held, SILENT_FIRST_TRY, type Target, type Tries } from './attempt.js';
import { FLOODED, LIMITED, UNSETTLED } from './congestion-tuning.js';
import { firstTryLost, liveAnswer, livePortOf, outageAnswered, outageOf, sentInOutage, silenceUnjudged } from './outage.js';
import { HostClock, coordMsOf } from './host-clock.js';
import { pathRetries } from './path-loss.js';
import { SAMPLE_EVERY, SAMPLES_ENOUGH, estimateUs, sample } from './rtt.js';

export type RetryVerdict = 'retry' | 'twin' | 'ping' | 'wait' | 'hold' | 'final';

/** A timed-out try judged again while it waits ('wait'): the count of its host's resolved retries it waits for (0: not waiting yet). */
export interface RetryWaiter {
  waitDone: number;
}

/** When the kernel sends a connect's second SYN (Linux's initial RTO, TCP_TIMEOUT_INIT), ms after the first. */
const SYN_RESEND_MS = 1000;

export class Timing {
  readonly stats = new TimingStats();
  /** --host-timeout (host-clock.ts). */
  readonly clock: HostClock;
  private answers = 0;
  /** Of `answers`, those to a retry (pathRetries). */
  private retryAnswers = 0;
  /** Bumped in this thread by what may change a 'wait' verdict: a retry answered, a host's last retry out resolved (Expiry.takeDeferred). */
  evidence = 0;
  private readonly minUs: number;
  private readonly maxUs: number;

  constructor(
    private readonly table: HostTable,
    private readonly params: TimingParams,
    /** Add to this thread's performance.now() for the coordinator's clock (the table's times are on it). */
    private readonly toCoordMs: number,
  ) {
    this.minUs = params.minMs * 1000;
    this.maxUs = params.maxMs * 1000;
    this.clock = new HostClock(table, params.hostTimeoutMs, toCoordMs, this.stats);
  }

  /** The cell of a host (pass it to the other methods). */
  cellOf(hostIndex: number): number {
    return this.table.cellOf(hostIndex);
  }

  /**
   * The timeout for a new attempt to the host, ms: its own estimate once it
   * completed a handshake (answered), or else the initial timeout (the scan's
   * estimate when that is longer).
   * Never the scan's estimate alone: a host 300 ms away scanned with one 2 ms
   * away then timed out at 100 ms before its first answer could come, and,
   * never having answered, got no retry: every port "filtered".
   */
  timeoutMs(cell: number): number {
    let us = cell === 0 || this.table.has(cell, F.FLAGS, HOST_FLAG.HANDSHAKE) ? estimateUs(this.table, cell) : 0;
    if (us === 0) us = Math.max(this.params.initialMs * 1000, estimateUs(this.table, 0));
    return Math.min(this.maxUs, Math.max(this.minUs, us)) / 1000;
  }

  /** True while the scan has no RTT sample (timeouts are the initial one). */
  get unmeasured(): boolean {
    return this.table.get(0, F.SRTT) === 0;
  }

  /** True while the host's estimate is still settling (attempts started now may be retimed). */
  unsettled(cell: number): boolean {
    return this.table.get(cell, F.SAMPLES) < SAMPLES_ENOUGH || !this.table.has(cell, F.FLAGS, HOST_FLAG.HANDSHAKE);
  }

  /**
   * Changes when an estimate falls: any cell's first sample, or its timeout
   * estimate dropping a quarter below what it was at its last change.
   * Attempts started on the higher estimate are then retimed (expiry.ts).
   */
  generation(): number {
    return this.table.get(0, F.GEN);
  }

  /**
   * An answer (SYN-ACK, RST or ICMP error) to try `tryNo` (0 = first) after `rttMs`, at `now` (this thread's clock).
   * `late` (late.ts): it may answer the kernel's own second SYN, so its time is a sample only for a cell with none (Karn).
   * `handshake`: a SYN-ACK. Only the host itself completes one; a reset or an ICMP error may come from anything on the
   * way, or from this machine's own firewall, so every answer is a sample (the windows and pacing go by them), but
   * the host's timeout follows its estimate only once it completed a handshake (timeoutMs). Followed at once, the
   * first answer of a wide window is its fastest: one port rejected by a firewall near the scanner (or by its own
   * OUTPUT chain) answered in 14 ms for a host 300 ms away, its timeouts fell to the 100 ms floor, every probe in
   * flight was cut there and no answer in time came again (lab: 999 of 1,000 ports filtered, 0 of 999 retries
   * answered). A host that never completes one keeps the initial timeout (or the scan's, if longer). Held out of
   * the estimate instead, a host's resets left it no round trip, and the windows, sized by it, collapsed: a scan
   * behind a SYN limiter that dropped the first open ports' SYNs hung (lab ratelimit: 1 of 3 runs in an A/B, cut at 120 s).
   */
  answered(cell: number, tryNo: number, rttMs: number, now = performance.now(), late = false, handshake = true): void {
    const t = this.table;
    const nowMs = this.coordMs(now);
    if (t.get(cell, F.ANSWERED) === 0) t.set(cell, F.ANSWERED, nowMs);
    if (t.get(0, F.ANSWERED) === 0) t.set(0, F.ANSWERED, nowMs);
    if (cell !== 0) outageAnswered(t, cell, tryNo, nowMs);
    const sampleAll = ++this.answers % SAMPLE_EVERY === 0;
    // Late by a second or more, where the scan's own round trip (from answers in time) is under a second: the answer
    // to the kernel's second SYN, sent 1 s after the first, its round trip the time since. Taken whole, one such
    // answer timed a host 20 ms away at 3 s (--max-rtt-timeout), and behind its firewall each dropped port's try
    // waited as long (lab fwloss at 15-25 % loss each way: 20-31 s in 5 runs of 22, none of 32 since); answers in
    // time would have started the estimate over (rtt.ts), but its few answering ports had all answered late.
    if (late && rttMs >= SYN_RESEND_MS && t.get(0, F.SAMPLES) > 0 && estimateUs(t, 0) < SYN_RESEND_MS * 1000) rttMs -= SYN_RESEND_MS;
    if (handshake && !t.has(cell, F.FLAGS, HOST_FLAG.HANDSHAKE)) {
      t.or(cell, F.FLAGS, HOST_FLAG.HANDSHAKE);
      t.add(0, F.GEN, 1); // its timeout may fall from the initial one to its estimate: retime (expiry.ts)
    }
    if (!late || t.get(cell, F.SRTT) === 0) {
      // A handshake's round trip always, past SAMPLES_ENOUGH too: the max filter must see it among nearer answers.
      sample(t, cell, rttMs, sampleAll || handshake, nowMs, late);
      this.stats.rtt(rttMs);
    }
    if (!late || t.get(0, F.SRTT) === 0) sample(t, 0, rttMs, sampleAll, nowMs, late);
    if (tryNo > 0) {
      this.evidence++;
      this.retryAnswers++;
      t.max(cell, F.MAX_OK_TRY, tryNo);
      t.max(0, F.MAX_OK_TRY, tryNo);
      t.add(cell, F.RETRY_OK, 1);
      this.stats.retryAnswered();
    }
  }

  /** Whether the cell's host (or one of the neighbours sharing it) has answered anything. */
  private hasAnswered(cell: number): boolean {
    return this.table.get(cell, F.ANSWERED) !== 0;
  }

  /** The host itself answered: set with answered(), which sees only its cell (shared by neighbours past MAX_EXACT_HOSTS). */
  heard(target: Target): void {
    this.table.setHeard(target.index);
  }

  /** answered() for the host's cell, and the host heard; `port`: the one that answered with a SYN-ACK or a reset, -1 for an ICMP error (outage.ts pings it). */
  hostAnswered(target: Target, tryNo: number, rttMs: number, now: number, late = false, handshake = true, port = -1): void {
    this.answered(target.cell, tryNo, rttMs, now, late, handshake);
    this.heard(target);
    if (port >= 0 && this.table.exact) liveAnswer(this.table, target.cell, port, handshake);
  }

  /** The port the host last answered on (outage.ts), or -1. */
  livePort(target: Target): number {
    return livePortOf(this.table, target.cell);
  }

  /**
   * Whether the host itself answered anything: a timed-out probe to a host
   * that never did gets no retry (mayRetry judges the cell, which past
   * MAX_EXACT_HOSTS a dead host shares with live neighbours). A connect to a
   * host that answered and then fails at once for want of a route is this
   * machine's change (a source address deleted mid-scan gave ENETUNREACH in
   * ~1 run of 5), retried as a local failure, not an error record.
   */
  heardFrom(target: Target): boolean {
    return this.table.heardFrom(target.index);
  }

  /** A try's history as it starts: a first try to a host not heard from yet is marked `silent` (Tries.silent). */
  startHistory(target: Target, h: Readonly<Tries>): Readonly<Tries> {
    if (h.tries !== 0 || h.silent || this.heardFrom(target)) return h;
    return h === FIRST_TRY ? SILENT_FIRST_TRY : { ...h, silent: true };
  }

  /**
   * An attempt timed out after try `tryNo`: try the position again (`retry`, counted in the host's RETRIES_OUT
   * until retryResolved; `twin`, the same sent twice), decide it now (`final`), ask again once retries still out
   * are resolved (`wait`), or while its host's outage lasts (`hold`; `held`: it was, or left in one). `limits` (congestion.ts):
   * LIMITED, the try may have been a limiter's drop: once no retry to the host is out it is tried again up to
   * --retries (and the `flood` tries of the position the opening flood lost, up to as many again), where the
   * evidence, which knows nothing of limiters, ended it (lab: behind 10 SYNs/s, 1 of 60 ports
   * called filtered). UNSETTLED, it was lost in the scan's opening, to loss no window has shrunk for yet: it waits
   * for that shrink (then LIMITED) or until that time is over (50 SYNs/s over 4 hosts: a heard host's every port
   * spent 3 tries in the opening flood, 0.3 s, and was filtered, ~1 run in 6).
   */
  mayRetry(cell: number, tryNo: number, limits = 0, held: Held = 'no', startMs = 0, flood = 0, waiter: RetryWaiter | null = null): RetryVerdict {
    const t = this.table;
    if (!this.hasAnswered(cell)) return 'final';
    // A host silent since it answered holds its positions, whatever their tries (outage.ts); then each tries once more.
    const nowMs = this.coordMs(performance.now());
    const outage = this.params.retries > 0 ? outageOf(t, cell, nowMs) : 'none';
    if (outage === 'on') return this.hold(cell, held);
    if (held !== 'no' && outage === 'none') return this.granted(cell, 'retry');
    const maxOk = t.get(cell, F.MAX_OK_TRY);
    const ok = t.get(cell, F.RETRY_OK);
    // Retries that mostly get answers: the path loses packets; two tries deeper than the deepest answered, three
    // where a sixteenth of the retries or more went unanswered.
    const unanswered = Math.max(0, t.get(cell, F.RETRY_DONE) - ok);
    const lossy = maxOk > 0 && ok >= 2 * unanswered;
    const deeper = !lossy ? 1 : 16 * unanswered >= ok + unanswered ? 3 : 2;
    // None of its own retries answered, but another host's: the path loses packets, and a port of this host
    // that lost its first try and its retry is not one its firewall drops. One try more (lab: 20 hosts that
    // each answer on 5 of 200 ports, 10 % loss each way: 1-4 such ports filtered in every run).
    const floor = maxOk === 0 && t.get(0, F.MAX_OK_TRY) > 0 ? 2 : 1;
    const ownNeeded = Math.max(floor, maxOk + deeper);
    // The path's loss, read from every answer this thread has seen (path-loss.ts).
    const needed = Math.max(ownNeeded, pathRetries(this.answers, this.retryAnswers));
    const allowed = Math.min(this.params.retries, needed);
    if (tryNo >= allowed) {
      // Behind a limiter, the tries the opening flood lost (Tries.flood) were the scan's excess, not the port's: up to
      // --retries of them more. Behind 10 SYNs/s (lab, 100 ports, RTT 20 ms) every port loses 4 tries in the 0.4 s
      // before the first shrink, most answer at their 5th-7th, and under load the tail reached the 11th try, the
      // cap, in 2 of 14 traced scans: a closed port was called filtered in 2 of 174 such scans under the suite's load.
      const cap = this.params.retries + ((limits & LIMITED) !== 0 ? Math.min(flood, this.params.retries) : 0);
      if (tryNo < cap) {
        // Past the last try answered: a retry still out may yet be answered at this try.
        if (this.retriesStillOut(cell, waiter)) return 'wait';
        if ((limits & LIMITED) !== 0) return this.granted(cell, 'retry');
        if ((limits & UNSETTLED) !== 0) return 'wait';
      }
      // A silence that began after it left, too short yet to tell an outage from loss, is judged first (outage.ts).
      if (this.params.retries > 0 && this.params.randomOrder !== false && silenceUnjudged(t, cell, startMs, nowMs, this.timeoutMs(cell))) {
        return t.get(cell, F.RETRIES_OUT) === 0 && livePortOf(t, cell) >= 0 ? this.granted(cell, 'ping') : 'wait';
      }
      // --max-retries, not the evidence of retries answered (here or on the path), ends it: nmap's "giving up on port
      // because retransmission cap hit". Not the one retry every port gets: --retries 0 counted every filtered port.
      if (tryNo < ownNeeded && (maxOk > 0 || floor > 1)) this.stats.retryCapHit();
      return 'final';
    }
    return this.granted(cell, lossy ? 'twin' : 'retry');
  }

  /**
   * Whether a retry to the cell's host that was out when `waiter` first asked is still out: it waits for those, not
   * for the host's live count. Retries granted meanwhile to other positions (each of their own port) kept that count
   * above zero: behind firewalls over a lossy path (lab fwdeep: 9 hosts dropping or rejecting most of 2,000 ports
   * each, 6.7 % loss toward them, 9.7 % back) thousands of positions waited while the tail's retries went one at a
   * time, each granted when the count touched zero and holding it a whole timeout: 1-7 probes in flight for minutes
   * (25-527 s in about 1 run of 4, against ~9 s). Counted as resolved retries (F.RETRY_DONE) reaching the number
   * granted by then: not which ones, but a timeout's worth later, about those. Without a waiter, the live count.
   */
  private retriesStillOut(cell: number, waiter: RetryWaiter | null): boolean {
    const t = this.table;
    if (waiter !== null && waiter.waitDone !== 0) return t.get(cell, F.RETRY_DONE) < waiter.waitDone;
    const out = t.get(cell, F.RETRIES_OUT);
    if (out > 0 && waiter !== null) waiter.waitDone = t.get(cell, F.RETRY_DONE) + out;
    return out > 0;
  }

  /** Hold a position through its host's outage (counted once), or ping from one held already when no retry is out. */
  private hold(cell: number, held: Held): RetryVerdict {
    if (held === 'no') this.stats.portHeld();
    return held === 'yes' && this.table.get(cell, F.RETRIES_OUT) === 0 ? this.granted(cell, 'ping') : 'hold';
  }

  /** A retry granted: counted in the host's RETRIES_OUT until retryResolved, and in the summary. */
  private granted(cell: number, verdict: 'retry' | 'twin' | 'ping'): RetryVerdict {
    this.table.add(cell, F.RETRIES_OUT, 1);
    this.stats.retry();
    return verdict;
  }

  /**
   * mayRetry for the host (`limits`: Congestion.limits), none for one --host-timeout gave up; for one that never answered
   * itself (its cell may hold live neighbours) one retry of a first try FLOODED, and when that timed out too, a wait
   * while the host's other retries are out (one may yet hear it).
   */
  retryVerdict(target: Target, tryNo: number, limits = 0, held: Held = 'no', start = 0, flood = 0, waiter: RetryWaiter | null = null): RetryVerdict {
    if (this.clock.isGivenUp(target)) return 'final';
    const startMs = this.coordMs(start);
    if (this.heardFrom(target)) return this.mayRetry(target.cell, tryNo, limits, held === 'no' && sentInOutage(this.table, target.cell, startMs) ? 'yes' : held, startMs, flood, waiter);
    // Not heard from: while any retry to it is out, granted before or since, one may hear it (a host that wakes mid-scan
    // has its sleepers' positions judged again as a heard host's; lab-waking-host.test.ts).
    if (tryNo > 0) return this.retriesStillOut(target.cell, null) ? 'wait' : 'final';
    return (limits & FLOODED) !== 0 ? this.granted(target.cell, 'retry') : 'final';
  }

  /**
   * A try reached its `deadline` unanswered: the one place HOST_FLAG.SLEPT is set (retryAnswerIsLoss). A try sent
   * while its host was silent, to a host that has not answered yet or whose cell first answered after that deadline,
   * says the host slept through a whole timeout. Judged by the times, not only by what this thread has read so far:
   * after a stall (CI's load) the thread reads the woken host's answers in the same turn as the sleepers' timeouts,
   * answers first, and judged by heardFrom() alone the host never slept: every answer to a sleeper's retry was loss.
   */
  timedOut(target: Target, h: Readonly<Tries>, deadline: number): void {
    if (!h.silent || this.table.has(target.cell, F.FLAGS, HOST_FLAG.SLEPT)) return;
    const firstAnswer = this.table.get(target.cell, F.ANSWERED);
    if (firstAnswer === 0 || firstAnswer > this.coordMs(deadline) || !this.heardFrom(target)) this.table.or(target.cell, F.FLAGS, HOST_FLAG.SLEPT);
  }

  /**
   * Whether an answer that came only to a retry is loss (the windows shrink on loss: congestion.ts). Not when the
   * first try left before the host answered anything and the host had been silent for a whole timeout since: it
   * woke up (a rule lifted, a host booting), and the probes sent while it slept get their first answers at their
   * retries. Counted as loss, those shrank the windows once a round trip, ratcheting (205 shrinks, 14.8 s against
   * 4.2 s for 65,535 ports at RTT 20 ms). At the scan's start the first tries leave before any answer too; a SYN
   * limit that drops some of them is loss. Nor when the position was held through its host's outage (outage.ts).
   */
  retryAnswerIsLoss(target: Target, h: Readonly<Tries>): boolean {
    return !h.held && (!h.silent || !this.table.has(target.cell, F.FLAGS, HOST_FLAG.SLEPT));
  }

  /** The second copy of a retry sent twice left: counted as a retry sent (it resolves with its position). */
  twinSent(): void {
    this.stats.retry();
  }

  /** The timeout for a new attempt to the target, worked out at most once a millisecond. */
  timeoutFor(target: Target, now: number): number {
    if (now - target.timedAt > 1) {
      target.timeoutMs = this.timeoutMs(target.cell);
      target.timedAt = now;
    }
    return target.timeoutMs;
  }

  /** A retry mayRetry granted was answered, timed out or dropped. */
  retryResolved(cell: number): void {
    this.table.add(cell, F.RETRY_DONE, 1);
    if (this.table.add(cell, F.RETRIES_OUT, -1) === 0) this.evidence++;
  }

  /** An attempt ran out unanswered (once: not at a late one's end): the timers' lateness, and outage.ts's evidence. */
  ranOut(target: Target, h: Readonly<Tries>, start: number, deadline: number, actedAt: number): void {
    this.stats.late(Math.max(0, actedAt - deadline));
    if ((h.tries === 0 || h.held || h.ping) && this.params.randomOrder !== false && this.heardFrom(target)) firstTryLost(this.table, target.cell, this.coordMs(start));
  }

  /**
   * The timeout for a new attempt: its host's estimate (timeoutFor), cut where
   * --host-timeout ends the host. Attempts in flight ran their whole timeout:
   * a host whose probes had all left was never given up, however long they
   * waited (nmap gives it up at its limit).
   */
  attemptTimeout(target: Target, now: number): number {
    const ms = this.timeoutFor(target, now);
    return this.params.hostTimeoutMs === null ? ms : Math.min(ms, Math.max(0, this.clock.end(target) - now));
  }

  /** This thread's `now` on the coordinator's clock, whole ms, never 0 (0 marks an unset time in the table). */
  private coordMs(now: number): number {
    return coordMsOf(now, this.toCoordMs);
  }
}
