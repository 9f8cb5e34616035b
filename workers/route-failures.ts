/**
 * No route to a host that answered before: connect() failing at once with
 * ENETUNREACH or EHOSTUNREACH. Either this machine's routes or addresses
 * changed (a source address deleted mid-scan), and every probe fails until
 * they come back, so the probe is retried as a local failure (loop.ts); or a
 * policy route holds back some ports only (`ip rule ... dport 1500
 * unreachable`), and the host's other ports still connect. Retried first in
 * line, such a port was tried up to 200 times with back-off while little
 * else went out, and after 10 s the scan stopped with "every connect failed
 * on this machine" (found by an audit). So such a port is tried again only
 * after a timeout of its host, behind its other ports (loop.ts), and once a
 * probe to the host that left after the failure was answered, a port that
 * fails so again is that port's own: an error with the no-route note, as for
 * a host never heard from; once one was, the host's other such failures are
 * too. When every probe fails, none is answered, and they are retried until
 * the routes come back (or the stall check ends the scan).
 */

/** Hosts followed at most; past it the list starts over (a host then gets one more local retry). */
const MAX_HOSTS = 4096;

interface HostFailures {
  /** When its last no-route failure came (performance.now()). */
  failedAt: number;
  /** A probe that left after it was answered. */
  answeredSince: boolean;
  /** A port of it failed so while others connected. */
  portRule: boolean;
}

export class RouteFailures {
  private readonly hosts = new Map<number, HostFailures>();

  /** A no-route failure at `now` of a position of `host` (`again`: tried before): true when it is the port's own, to decide. */
  failed(host: number, again: boolean, now: number): boolean {
    const h = this.hosts.get(host);
    if (h === undefined) {
      if (this.hosts.size >= MAX_HOSTS) this.hosts.clear();
      this.hosts.set(host, { failedAt: now, answeredSince: false, portRule: false });
    } else if (h.answeredSince && (again || h.portRule)) {
      h.portRule = true;
      return true;
    } else if (h.answeredSince) {
      // Another port's first such failure: answers from now on judge it.
      h.failedAt = now;
      h.answeredSince = false;
    }
    return false;
  }

  /** A probe to `host` that left at `start` was answered. */
  answered(host: number, start: number): void {
    if (this.hosts.size === 0) return;
    const h = this.hosts.get(host);
    if (h !== undefined && start > h.failedAt) h.answeredSince = true;
  }
}
