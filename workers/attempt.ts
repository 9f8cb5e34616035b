/** One connect attempt at one position, and what earlier attempts at that position ran into. */
import type { AttemptHandle } from './backends/index.js';
import type { Timed } from './deadlines.js';
import type { ChunkLedger } from './ledger.js';

/** What earlier attempts at a position ran into. */
export interface Tries {
  /** Timeouts (bounded by --retries). */
  tries: number;
  /** Self-connects (bounded by MAX_SELF_RETRIES). */
  selfTries: number;
  /** Local-resource failures (bounded by MAX_LOCAL_RETRIES). */
  localTries: number;
  /**
   * The first try left while its host had answered nothing yet: an answer
   * that comes only to a retry may then be the host waking up, not loss
   * (Timing.startHistory, Timing.retryAnswerIsLoss).
   */
  silent: boolean;
  /** When the last try that timed out started (performance.now()), 0 before one did: an answer to a retry dates the loss by it (congestion.ts). */
  lastAt: number;
  /** When the try before that one started, 0 before two timed out (limiter.ts: two tries lost since a shrink). */
  prevAt: number;
  /** The last try that timed out was a retry sent twice whose copies both timed out: two probes lost (probation.ts counts both). */
  lastPair: boolean;
  /** A try of the position was held through its host's outage (outage.ts): an answer to a later one is no loss. */
  held: boolean;
  /** This try is a ping (outage.ts). */
  ping: boolean;
  /**
   * Of `tries`, those that left while the host's window and the scan's were at their maximum, before either
   * shrank (Attempt.counted's LEFT_AT_MAXIMUM): the opening flood's. Behind a limiter they are the scan's own
   * excess, not the port's: up to --retries of them do not count toward --retries (timing.ts mayRetry).
   */
  flood: number;
}

/** An attempt and its host's outage (outage.ts): never held, held (judged again), or a ping. */
export type Held = 'no' | 'yes' | 'ping';

/** Attempt.counted's bit for an attempt that left while its host's window and the scan's were at their maximum (Tries.flood). */
export const LEFT_AT_MAXIMUM = 4;

/** The kinds of failure a history counts; 'ping' (a try sent to learn whether its host's outage is over: outage.ts) counts none. */
export type Failure = 'tries' | 'selfTries' | 'localTries' | 'ping';

export const FIRST_TRY: Readonly<Tries> = Object.freeze({ tries: 0, selfTries: 0, localTries: 0, silent: false, lastAt: 0, prevAt: 0, lastPair: false, held: false, ping: false, flood: 0 });
export const SILENT_FIRST_TRY: Readonly<Tries> = Object.freeze({ ...FIRST_TRY, silent: true });

/**
 * The same history with one more failure of one kind, by an attempt that started at `start` (`pair`: a timeout of
 * both copies of a retry sent twice; `atMaximum`: it left while the windows were at their maximum, Tries.flood).
 */
export function oneMore(h: Readonly<Tries>, what: Failure, start: number, pair = false, held = false, atMaximum = false): Tries {
  const timedOut = what === 'tries';
  const lastAt = timedOut ? start : h.lastAt;
  const prevAt = timedOut ? h.lastAt : h.prevAt;
  const lastPair = timedOut ? pair : h.lastPair;
  const flood = h.flood + (timedOut && atMaximum ? 1 : 0);
  const next: Tries = { tries: h.tries, selfTries: h.selfTries, localTries: h.localTries, silent: h.silent, lastAt, prevAt, lastPair, held: h.held || held, ping: what === 'ping', flood };
  if (what !== 'ping') next[what]++;
  return next;
}

/** A host as the loop aims at it: its index in the target set, its address text, its timing cell and clock. */
export interface Target {
  readonly index: number;
  readonly host: string;
  readonly v6: boolean;
  /** Its cell in the shared host table (workers/timing.ts). */
  readonly cell: number;
  /** Its --host-timeout clock in that table (-1 without --host-timeout). */
  readonly clock: number;
  /** Its timeout, cached for a millisecond (performance.now() of when it was worked out). */
  timeoutMs: number;
  timedAt: number;
}

export class Attempt implements AttemptHandle, Timed {
  handle: unknown = null;
  done = false;
  heapIndex = -1;
  keep = false;
  /** In Expiry's list of attempts to retime (Expiry.unmeasured). */
  provisional = false;
  /** A first try past its timeout, listening on for a late answer (late.ts): its window slot is given back. */
  late = false;
  /** A retry after a timeout, counted in its host's RETRIES_OUT until it resolves (timing.ts retryResolved). */
  retryOut = false;
  /** Which window counts this attempt took (congestion.ts launched/landed), and LEFT_AT_MAXIMUM. */
  counted = 0;
  /**
   * The other copy of a retry sent twice (timing.ts 'twin'), while both fly:
   * the first answer decides the position and the other copy is dropped.
   */
  twin: Attempt | null = null;
  /** The other copy of its retry sent twice timed out, and left the position to this one (Twins.ended). */
  pairTimedOut = false;
  /** Held through its host's outage (outage.ts): judged again, it gets one more try once the host answers. */
  held: Held = 'no';
  /** Timed out and waiting for its host's retries out then (timing.ts retriesStillOut): its host's F.RETRY_DONE to wait for, else 0. */
  waitDone = 0;
  /** The position's port: `port` is another only for a ping sent to its host's live port (outage.ts), whose answer is the host's. */
  ownPort: number;
  live = false;
  readonly host: string;
  readonly v6: boolean;
  readonly bindFirst: boolean;
  /** start + timeoutMs, until it is retimed (see Expiry.retime). */
  deadline: number;
  /** When the SYN left (the backend sets it: AttemptHandle.sentAt); answers' round trips count from it. */
  sentAt: number;
  constructor(
    readonly chunk: ChunkLedger,
    readonly k: number,
    readonly target: Target,
    readonly port: number,
    readonly start: number,
    /** The timeout this attempt got (per host, see workers/timing.ts). */
    readonly timeoutMs: number,
    readonly history: Readonly<Tries>,
  ) {
    this.deadline = start + timeoutMs;
    this.sentAt = start;
    this.ownPort = port;
    this.host = target.host;
    this.v6 = target.v6;
    this.bindFirst = history.selfTries > 0;
  }

  /**
   * The position's port (`port` is `live` for a ping sent to its host's live port, outage.ts), and whether this is
   * the ping of a position held through an outage (`held`): only that one gets one more try once its host answers; a
   * ping of a silence not judged yet had its position tried again after each answer, for ever behind a firewall.
   */
  pinged(ownPort: number, live: boolean, held: boolean): void {
    this.ownPort = ownPort;
    this.live = live;
    if (held) this.held = 'ping';
  }
}

/**
 * A position's next try, counting what went wrong. One after a timeout was
 * granted by mayRetry and counts in its host's RETRIES_OUT (`twin`: sent twice).
 */
export function nextTry(a: Attempt, what: Failure, twin = false): Pending {
  const held = a.held !== 'no';
  return { chunk: a.chunk, k: a.k, history: oneMore(a.history, what, a.start, a.pairTimedOut, held, (a.counted & LEFT_AT_MAXIMUM) !== 0), readyAt: 0, retryOut: what === 'tries' || what === 'ping', twin, heldPing: what === 'ping' && held };
}

/** A position waiting to be (re)started: a retry, or held back by the per-host cap. */
export interface Pending {
  chunk: ChunkLedger;
  k: number;
  history: Readonly<Tries>;
  /** performance.now() before which it must not start. */
  readyAt: number;
  /** A retry after a timeout (see Attempt.retryOut). */
  retryOut?: boolean;
  /** Send this retry twice: a second copy starts right after the first (see Attempt.twin). */
  twin?: boolean;
  /** The second copy of a retry sent twice: the first one (it starts only while that one flies). */
  twinOf?: Attempt;
  /** A ping from a position held through its host's outage (Attempt.pinged). */
  heldPing?: boolean;
}
