/**
 * The libuv poll phase this thread is in, as its callbacks see it: when the
 * phase's first callback ran, and how many answers it has delivered. Shared
 * by every engine on the thread (workers/phase-clock.ts times answers by it)
 * and marked by the coordinator's handler of a chunk's messages (pollMark).
 *
 * Why the coordinator's: a scan of up to 12,000 probes runs its engine on the
 * coordinator's thread, and one epoll_wait there delivers the chunk's
 * messages (records, "hungry") before its answers; their handler ran first,
 * and every answer of the phase read that long (a 3-port loopback scan's RTTs
 * 1.2-2 ms for a ~0.05 ms path; nmap: 0.13 ms). Why per thread: two engines
 * on one thread (two scans in one process) share one epoll_wait, so the
 * answers counted against its first read (EARLY) are counted together.
 *
 * Only a callback of the poll phase may mark it: a mark made elsewhere (a
 * timer, the check phase, a promise callback after one) would time the next
 * poll phase's answers before they came. The state is cleared in the check
 * phase that follows, by an immediate queued with the first mark.
 */

/**
 * libuv reads the kernel again within one phase only after a full batch of
 * 1,024 events; the first EARLY answers of a phase are certainly of its first
 * read (fewer than 1,024 − EARLY events of other kinds share it: the banner
 * stage holds at most 256 sockets by default), later ones read the clock.
 */
const EARLY = 512;

let phaseAt = 0;
let answers = 0;
let clearQueued = false;

/** The check phase ran: the next callbacks are a new phase's. */
export function endPhase(): void {
  phaseAt = 0;
  answers = 0;
  clearQueued = false;
}

function begin(at: number): void {
  phaseAt = at;
  if (!clearQueued) {
    clearQueued = true;
    setImmediate(endPhase);
  }
}

/** A poll-phase callback that is not an answer (a port's message event) starts: answers this phase delivers after it were in the kernel before. */
export function pollMark(): void {
  if (phaseAt === 0) begin(performance.now());
}

/** When this phase's first callback ran (performance.now()), 0 before one did. */
export function phaseStart(): number {
  return phaseAt;
}

/**
 * The time to count an answer at: the phase's start for its first EARLY
 * answers of attempts started before it, else now (`atOnce`: delivered by
 * connect() itself, now). Never before the true arrival, so a round trip can
 * read long, never short (a short one would shrink timeouts onto answers
 * still on the way).
 */
export function answerTime(start: number, atOnce: boolean): number {
  const now = performance.now();
  if (atOnce) return now;
  if (phaseAt === 0) begin(now);
  return answers++ < EARLY && phaseAt > start ? phaseAt : now;
}
