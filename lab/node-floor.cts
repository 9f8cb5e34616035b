/**
 * nodefloor: the least a Node.js connect scanner costs here, the Node
 * counterpart of cscan (lab/cscan.c) and shardscan's second yardstick. The
 * same loop in JavaScript on one thread: up to W connects in flight straight
 * from Node's tcp_wrap binding (the layer shardscan's handle backend uses), a
 * refused socket connected again by the next probe (shardscan's spare
 * sockets), one timeout for all (start order is deadline order, so the
 * in-flight list is a FIFO and one timer serves it), a retry a fresh socket
 * at the back. No adaptive timing, no congestion control, no records, no
 * shard plan, no CLI: what is left is Node's start, its connect and its
 * callbacks. A goal this floor misses too is beyond any scanner built on
 * Node's connect on this machine; the distance between it and shardscan is
 * shardscan's own.
 *
 *   node dist/lab/node-floor.cjs [-w window] [-T timeout_ms] [-r retries] [-a] -p PORTS TARGET...
 *
 * Arguments, output and states as cscan's (one thread, so no -t): stdout
 * "STATE HOST PORT RTT_MS REASON" per open port, with -a every state;
 * stderr one JSON summary line. open = connected (a peer address), or
 * ECONNRESET/EPIPE (the handshake completed and the listener reset first);
 * closed = ECONNREFUSED; filtered = no answer within the timeout after all
 * retries, or an ICMP unreachable. Local failures (EADDRNOTAVAIL, EMFILE,
 * ENOBUFS, EAGAIN...) are no state: the same try is made again 1 ms later.
 *
 * One thread: two worker threads, each with half the ports, took longer
 * through the lab (RTT 20 ms, 10,000 ports: 0.52-0.61 s against 0.47-0.53).
 * CommonJS (.cts): Node starts it without its ES module loader. For the same
 * reason it imports nothing of shardscan (its port and target parsers are
 * src/ports and src/targets, ES modules that would load with it): the floor
 * is measured from Node's start, so its few lines of parsing are its own.
 */
import { getSystemErrorName } from 'node:util';
import { readFileSync } from 'node:fs';

interface Handle {
  connect(req: Req, host: string, port: number): number;
  getpeername(out: object): number;
  reset(): number;
  close(): void;
}
interface Req {
  oncomplete: (status: number, handle: Handle, req: Req) => void;
  slot: Attempt | null;
}
interface Binding {
  TCP: new (type: number) => Handle;
  TCPConnectWrap: new () => Req;
  constants: { SOCKET: number };
}
interface Attempt {
  index: number;
  tries: number;
  start: number;
  handle: Handle | null;
  done: boolean;
}

/** New connects per loop turn at most, as cscan's FILL_BATCH: answers are read in between. */
const FILL_BATCH = 256;
const LOCAL = new Set(['EADDRNOTAVAIL', 'EMFILE', 'ENFILE', 'ENOBUFS', 'EAGAIN', 'ENOMEM', 'ENOTCONN']);
const REFUSED = -111;
const ABORTED = -103;

/** Bad arguments: one line on stderr, exit 2. */
function usage(why: string): never {
  process.stderr.write(`node-floor: ${why}. Usage: node-floor [-w window] [-T timeout_ms] [-r retries] [-a] -p PORTS TARGET... (example: -p 1-1000 127.0.0.1, or lab addresses inside the lab)\n`);
  process.exit(2);
}

function parsePorts(spec: string): number[] {
  const seen = new Uint8Array(65536);
  const out: number[] = [];
  for (const tok of spec.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(tok);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo < 1 || hi > 65535 || lo > hi) usage(`bad port range '${tok}'`);
    for (let p = lo; p <= hi; p++) if (!seen[p]) (seen[p] = 1), out.push(p);
  }
  return out;
}

function addTarget(spec: string, hosts: string[]): void {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(spec);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const len = m?.[5] === undefined ? 32 : Number(m[5]);
  if (!m || octets.some((o) => o > 255) || len < 8 || len > 32) usage(`bad target '${spec}' (IPv4 address or CIDR, /8 to /32)`);
  const count = 2 ** (32 - len);
  const base = Math.floor((octets[0]! * 2 ** 24 + octets[1]! * 2 ** 16 + octets[2]! * 256 + octets[3]!) / count);
  for (let i = 0; i < count; i++) {
    const a = base * count + i;
    hosts.push(`${Math.floor(a / 2 ** 24)}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`);
  }
}

/** The soft RLIMIT_NOFILE (Node cannot raise it, as cscan does): the window stays under it. */
function fdLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m?.[1] === undefined || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

function main(argv: string[]): void {
  let window = 8192;
  let timeoutMs = 1000;
  let retries = 1;
  let all = false;
  let portSpec: string | null = null;
  const hosts: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '-r' ? 0 : 1)) usage(`${a} takes a whole number${a === '-r' ? '' : ' of at least 1'}`);
      return v;
    };
    if (a === '-w') window = value();
    else if (a === '-T') timeoutMs = value();
    else if (a === '-r') retries = value();
    else if (a === '-a') all = true;
    else if (a === '-p') portSpec = argv[++i] ?? usage('-p takes a port list');
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else addTarget(a, hosts);
  }
  if (portSpec === null || hosts.length === 0) usage('give -p PORTS and at least one target');
  const ports = parsePorts(portSpec);
  window = Math.max(1, Math.min(window, fdLimit() - 64));

  const { TCP, TCPConnectWrap, constants } = (process as unknown as { binding(n: string): Binding }).binding('tcp_wrap');
  const total = hosts.length * ports.length;
  const t0 = performance.now();
  const out: string[] = [];
  const counts = { open: 0, closed: 0, filtered: 0, localErrors: 0 };
  const spare: Handle[] = [];
  const peer = {};
  // In flight, oldest first (one timeout for all); finished ones are skipped at the head.
  const flight: Attempt[] = [];
  let head = 0;
  let inflight = 0;
  let next = 0;
  // Tries set back by a local error, made again as they were (index, then tries so far).
  const redo: number[] = [];
  let timer: NodeJS.Timeout | null = null;
  let fillQueued = false;
  let pausedUntil = 0;
  let finished = false;

  const report = (state: 'open' | 'closed' | 'filtered', index: number, reason: string, rttMs: number): void => {
    counts[state]++;
    // Hosts vary fastest, as in cscan: consecutive probes spread over the hosts.
    if (all || state === 'open') out.push(`${state} ${hosts[index % hosts.length]} ${ports[Math.floor(index / hosts.length)]} ${rttMs.toFixed(3)} ${reason}`);
  };
  const end = (a: Attempt): void => {
    a.done = true;
    a.handle = null;
    inflight--;
  };
  const localError = (index: number, tries: number): void => {
    counts.localErrors++;
    redo.push(index, tries);
    pausedUntil = performance.now() + 1;
  };

  function oncomplete(status: number, handle: Handle, req: Req): void {
    const a = req.slot!;
    req.slot = null;
    if (a.done) return; // timed out first; its socket is closed
    const rtt = performance.now() - a.start;
    end(a);
    if (status === 0 && handle.getpeername(peer) !== 0) status = -107; // "connected" with no peer: an ICMP error read late (cscan's ENOTCONN)
    if (status === 0) {
      handle.reset();
      report('open', a.index, 'syn-ack', rtt);
    } else if (status === REFUSED) {
      spare.push(handle); // most answers: no errno name to look up
      report('closed', a.index, 'ECONNREFUSED', rtt);
    } else {
      handle.close();
      const name = getSystemErrorName(status);
      if (name === 'ECONNRESET' || name === 'EPIPE') report('open', a.index, 'syn-ack-reset', rtt);
      else if (LOCAL.has(name)) localError(a.index, a.tries);
      else report('filtered', a.index, name, rtt);
    }
    queueFill();
  }

  /** Start one try; false when this machine ran out of something (the index is set back). */
  function start(index: number, tries: number): boolean {
    const req = new TCPConnectWrap();
    req.oncomplete = oncomplete;
    const a: Attempt = { index, tries, start: performance.now(), handle: null, done: false };
    req.slot = a;
    const host = hosts[index % hosts.length]!;
    const port = ports[Math.floor(index / hosts.length)]!;
    // A refused socket connects again: the first connect() resets it (ECONNABORTED), the second sends the SYN.
    let handle = spare.pop();
    let err = -1;
    if (handle !== undefined) {
      err = handle.connect(req, host, port);
      if (err === ABORTED) err = handle.connect(req, host, port);
      if (err !== 0) handle.close();
    }
    if (err !== 0) {
      handle = new TCP(constants.SOCKET);
      err = handle.connect(req, host, port);
    }
    if (err !== 0) {
      handle!.close();
      const name = getSystemErrorName(err);
      if (LOCAL.has(name)) {
        localError(index, tries);
        return false;
      }
      if (err === REFUSED) report('closed', index, name, 0);
      else report('filtered', index, name, 0);
      return true;
    }
    a.handle = handle!;
    inflight++;
    flight.push(a);
    return true;
  }

  function fill(): void {
    fillQueued = false;
    const now = performance.now();
    if (now < pausedUntil) {
      setTimeout(fill, 1);
      fillQueued = true;
      return;
    }
    let started = 0;
    while (inflight < window && (redo.length > 0 || next < total) && started++ < FILL_BATCH) {
      let ok: boolean;
      if (redo.length > 0) {
        const tries = redo.pop()!;
        ok = start(redo.pop()!, tries);
      } else ok = start(next++, 0);
      if (!ok) break;
    }
    if (inflight < window && (redo.length > 0 || next < total)) queueFill();
    if (timer === null) armTimer();
    finishIfDone();
  }

  /** Spare sockets are taken only here, outside libuv's poll phase (see workers/backends/handle.ts). */
  function queueFill(): void {
    if (fillQueued) return;
    fillQueued = true;
    setImmediate(fill);
  }

  /** Set the timer for the oldest attempt in flight (never from inside expire's walk: it moves the head). */
  function armTimer(): void {
    while (head < flight.length && flight[head]!.done) head++;
    if (head > 4096 && head * 2 > flight.length) {
      flight.splice(0, head);
      head = 0;
    }
    if (head >= flight.length) return;
    timer = setTimeout(expire, Math.max(0, flight[head]!.start + timeoutMs - performance.now()));
  }

  function expire(): void {
    timer = null;
    const now = performance.now();
    for (; head < flight.length; head++) {
      const a = flight[head]!;
      if (a.done) continue;
      if (a.start + timeoutMs > now) break;
      a.handle!.close();
      end(a);
      // A retry is a fresh socket at the back (a timed-out one cannot connect again); a local error sets it back, its tries kept.
      if (a.tries < retries) start(a.index, a.tries + 1);
      else report('filtered', a.index, 'timeout', now - a.start);
    }
    armTimer();
    queueFill();
    finishIfDone();
  }

  function finishIfDone(): void {
    if (finished || inflight > 0 || redo.length > 0 || next < total) return;
    finished = true;
    if (timer !== null) clearTimeout(timer);
    for (const h of spare) h.close();
    spare.length = 0;
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    out.length = 0;
    process.stderr.write(`${JSON.stringify({ probes: total, ...counts, ms: Number((performance.now() - t0).toFixed(1)) })}\n`);
  }

  fill();
}

main(process.argv.slice(2));
