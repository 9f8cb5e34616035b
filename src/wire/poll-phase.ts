/**
 * When this thread's current libuv poll phase began delivering, as far as a
 * callback of it that is not an answer saw: the coordinator's handler for a
 * chunk's messages marks it (pollMark), and the engine's PhaseClock
 * (workers/phase-clock.ts) times its answers from the earliest callback of
 * the phase it knows of.
 *
 * Why: a scan of up to 12,000 probes runs its engine on the coordinator's
 * thread, and one epoll_wait there delivers the chunk's messages (records,
 * "hungry") before its answers: their handler ran first, and every answer of
 * the phase read that long. A 3-port loopback scan's RTTs read 1.2-2 ms for a
 * ~0.05 ms path (nmap: 0.13 ms), the lab's 200 ms path 208 ms.
 *
 * Only callbacks of the poll phase may mark (a message port's are); the mark
 * is cleared in the check phase that follows, by an immediate queued with it.
 */

let markedAt = 0;
let clearQueued = false;

function clear(): void {
  markedAt = 0;
  clearQueued = false;
}

/** A poll-phase callback that is not an answer started now: answers this phase delivers after it were in the kernel before. */
export function pollMark(): void {
  if (markedAt !== 0) return;
  markedAt = performance.now();
  if (!clearQueued) {
    clearQueued = true;
    setImmediate(clear);
  }
}

/** The mark of this poll phase (performance.now()), 0 without one. */
export function pollMarkedAt(): number {
  return markedAt;
}
