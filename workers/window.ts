/**
 * How many attempts this worker may have in flight.
 *
 * Attempts are bounded by one window shared by every worker (SharedSlots,
 * --concurrency). This worker may always fill its fair share and may borrow
 * the idle workers' shares when it alone has work left, so the last silent
 * targets of a scan still get the whole window. Local resource errors
 * (EMFILE, ...) shrink its own limit multiplicatively and back off; decided
 * positions grow it back additively.
 */
import { SharedSlots } from '../src/wire/slots.js';

/** Positions decided per step of growth back towards the fair share after a shrink. */
const GROW_EVERY = 16;
/** Refused sockets kept to connect again at most (a lab rtt200 scan took 0.96 s with 16, 0.90 with 1,024). */
const MAX_SPARES = 1024;
/** Longest back-off after repeated local errors. */
const MAX_BACKOFF_MS = 500;

export class Window {
  /** This worker's fair share. */
  private readonly share: number;
  /** Current limit: the share, or less after local errors. */
  private limit: number;
  private growCredit = 0;
  private backoffMs = 0;
  private backoffUntil = 0;
  private hungry = false;
  private readonly slots: SharedSlots;

  constructor(share: number, slots: SharedArrayBuffer, private readonly concurrency: number) {
    this.share = Math.max(1, share);
    this.limit = this.share;
    this.slots = new SharedSlots(slots);
  }

  /**
   * Room for one more attempt with `inflight` of ours running: within our
   * limit, or beyond it when no other worker has work waiting and nothing
   * shrank us.
   */
  hasRoom(inflight: number): boolean {
    if (inflight < this.limit) return true;
    return this.limit === this.share && this.slots.hungryWorkers() <= (this.hungry ? 1 : 0);
  }

  /**
   * Whether a refused socket may be kept to connect again (backends/handle.ts), `kept` being kept now and `inflight`
   * counting its own attempt, whose descriptor it goes on holding: only while this worker has work waiting, and
   * spares and attempts in flight within its current limit (its share, less after local errors; a full window keeps
   * every answer's socket for the launches that refill it), 1,024 at most. Kept with nothing left to start, or past
   * a limit EMFILE had cut, they held every descriptor the process had left: a scan under `ulimit -n 60` that was
   * told of a larger one failed writing its report (EMFILE) in 2 of 6 runs.
   */
  maySpare(inflight: number, kept: number): boolean {
    return this.hungry && kept < MAX_SPARES && inflight + kept <= this.limit;
  }

  /** True when we are held to our limit (the caller should look again shortly). */
  atLimit(inflight: number): boolean {
    return inflight >= this.limit;
  }

  /** The coordinator is behind: start nothing new for now. */
  held(): boolean {
    return this.slots.held();
  }

  /** Records posted to the coordinator (counted until it takes them). */
  posted(n: number): void {
    this.slots.posted(n);
  }

  /** Reserve one of the pool's slots; false when the whole pool is full. */
  takeSlot(): boolean {
    return this.slots.take(this.concurrency);
  }

  giveSlot(n = 1): void {
    this.slots.give(n);
  }

  /** Milliseconds left of a local-error back-off (0 = go). */
  backoffLeft(now: number): number {
    return now < this.backoffUntil ? this.backoffUntil - now : 0;
  }

  /** Publish whether this worker has work waiting. */
  setHungry(hungry: boolean): void {
    if (hungry === this.hungry) return;
    this.hungry = hungry;
    this.slots.hungry(hungry ? 1 : -1);
  }

  /** The machine ran out of something with `inflight` attempts running: shrink and back off. */
  onLocalError(inflight: number, now: number): void {
    this.limit = Math.max(1, Math.min(this.limit, Math.floor((inflight + 1) * 0.75)));
    this.growCredit = 0;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs === 0 ? 2 : this.backoffMs * 2);
    this.backoffUntil = now + this.backoffMs;
  }

  /** A position was decided: the back-off fades, the limit grows back by one per GROW_EVERY. */
  onDecided(): void {
    if (this.backoffMs > 0) this.backoffMs = this.backoffMs < 1 ? 0 : this.backoffMs * 0.9;
    if (this.limit < this.share && ++this.growCredit >= GROW_EVERY) {
      this.growCredit = 0;
      this.limit++;
    }
  }
}
