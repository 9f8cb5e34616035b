/**
 * The numbers congestion control runs by (workers/congestion.ts), each with
 * the measurement that chose it.
 */
import { WINDOW_SCALE } from '../src/wire/hosts.js';

/** Below this pacing interval the clock is not worth reading. */
export const MIN_PACE_US = 5;
/**
 * A window may shrink below one probe in flight: it is then a pacing interval
 * longer than the round trip (srtt / window). A floor of two, as it was, paced
 * a host at 20 ms at 100 probes/s whatever it passed: behind a limit of
 * 10 SYNs/s (iptables' `--limit` examples go lower), 85 of 100 ports were called
 * filtered in 1.4 s, every run. Below TWO_WINDOWS a shrink at most halves the
 * window: a host that answers on few ports delivers few answers per second
 * whatever the path, and one shrink to its rate paced its dropped ports' retries
 * for 23 s (lab: 20 hosts answering on 5 of 200 ports, 10 % loss each way;
 * 1.4-2.5 s otherwise). Going lower takes more evidence, one shrink a probation.
 */
export const MIN_WINDOW = WINDOW_SCALE / 32;
export const TWO_WINDOWS = 2 * WINDOW_SCALE;
/**
 * The delivery rate is measured over at least this long (a round trip of
 * 20 ms holds too few answers to count), and its max filter forgets 5 % an
 * interval (half in about 1.3 s): measured in the lab, a faster decay let
 * the window chase its own shrink down to a sixth of the rate limit.
 */
export const RATE_INTERVAL_MS = 100;
export const RATE_DECAY = 0.95;

/** Answers only to retries, within one round trip, that shrink a window. */
export const LOSS_MIN = 8;
/**
 * ...and at least this share of what the cell delivers in a round trip
 * (1/4, in 1/SHARE_ONE): random loss takes the same share at any rate, so
 * shrinking on it only ratchets the window down (each shrink to a delivery
 * rate thinned by the loss itself). At 2 % loss each way and 200 ms, 40,000
 * ports took 5.5-7.3 s against 2.4-2.5 s without loss, the rate falling
 * from ~18,000 to ~5,000 probes/s over the scan. An eighth, as it was then,
 * was crossed now and then by 5 % loss each way (~10 % of a round trip's
 * answers; lab mixloss: median ~10 s, ~4.2 s with a quarter). A limiter or
 * a full queue drops the whole excess: a third over its rate loses a
 * quarter, twice its rate half (ratelimit, sharedlimit and congested).
 */
export const LOSS_SHARE = 256;
export const SHARE_ONE = 1024; // shares are in 1/1024
/**
 * A probation that measured at least this share lost (1/16) saw random loss:
 * behind a limiter or a full queue the probes sent at the new rate lost 0 to
 * 2.3 % (lab ratelimit, sharedlimit, congested), with 15 % loss each way
 * 7.5 to 17 % (mixloss; the count misses what no retry answered, so it reads
 * low).
 */
export const UNDO_SHARE = 64;
/**
 * An undo raises the cell's share that shrinks to a half (29 % random loss
 * each way): a round trip's count of random loss crosses a quarter now and
 * then well below that. A limiter that drops more still shrinks the window;
 * one that drops less is passed by the retries.
 */
export const LOSS_SHARE_RAISED = 512;
/**
 * A probation counts the probes sent from this long after its shrink: the
 * first shrink of a window comes after a flood (windows start at their
 * maximum), and probes still left in it before every worker and every host
 * behind the same limiter slowed down. Counted, they read as random loss
 * (lab ratelimit: 6 of 85 lost, 7 %): the shrink was undone, a second flood
 * (2 of 6 runs; sharedlimit 2 of 3). With 20 ms, none of 12.
 */
export const PROBE_GUARD_MS = 20;
/**
 * Loss is also counted over this long where a round trip is shorter, by the
 * same two rules (LOSS_MIN, and the share of what the cell delivered in that
 * time): a limiter that passes few SYNs gives few answers to retries, fewer
 * than LOSS_MIN in any round trip however many it drops. Through the lab
 * (an audit), a host at RTT 20 ms behind a limit of 100 SYNs/s: ~55 answers
 * to retries a second, never 8 in 20 ms; no window shrank, the scan went on
 * at ~4,700 probes/s, and ~410 of 500 ports were called filtered at the
 * --retries cap, in every run. Over 500 ms a limit of 20/s still gives 8.
 */
export const SLOW_LOSS_MS = 500;
/**
 * ...where this many answers only to retries are enough once the cell's
 * delivery rate is measured (and the share rule holds): a limit of 10 SYNs/s
 * passes 5 in SLOW_LOSS_MS, and the retries ran out first. Without a measured
 * rate LOSS_MIN stands (a few are chance).
 */
export const SLOW_LOSS_MIN = 4;
/** A probation that counted fewer outcomes than this leaves the shrink as it is. */
export const PROBE_MIN = 2 * LOSS_MIN;
/** Outcomes counted per kind in a probation (PROBE_N: answers in its low 16 bits, losses above). */
export const PROBE_CAP = 0x7fff;
/** Answers per counted one while the windows are at their maximum. */
export const RATE_SAMPLE = 8;
/** What a timed-out try may have met (Congestion.limits, Timing.retryVerdict): a limiter's drop, for a host heard from. */
export const LIMITED = 1;
/** It left before the scan's window shrank, and no shrink of the scan's was undone as random loss: a flood, for a host never heard from. */
export const FLOODED = 2;
/** It left less than SLOW_LOSS_MS ago, in the scan's opening (2·SLOW_LOSS_MS from its first loss), and no window that judges it has shrunk yet. */
export const UNSETTLED = 4;
