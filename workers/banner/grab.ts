/**
 * Service detection on one open port: listen first, then send the table's
 * probes in order, and name the service from the first answer a rule matches.
 *
 * Budget (one `timeoutMs` for the whole port, see grabPlan): the listen waits
 * up to a fifth of it (600 ms at the 3 s default) and ends at once on a line
 * end (a text greeting cut mid-line waits out a longer silence, and one still
 * coming at the listen's end is read on, within the budget); each later
 * probe may take a third (1 s), and ends at once on a complete answer (its
 * `until`), a short silence after data (50 ms), the peer closing, or the byte
 * cap. Nothing runs past the deadline, and every socket opened here is reset
 * before the promise settles. A service that closes or resets every
 * connection with nothing said is nmap's tcpwrapped.
 *
 * Connections: the first (handed in) serves the listen and the first probe
 * sent; every later probe needs a fresh one (an SSH or Redis server is spoiled
 * by a stray HTTP request; TLS must start from the first byte), at most
 * `maxConnections` in all.
 */
import net from 'node:net';
import tls from 'node:tls';
import { type BannerTable, escapeBanner, loadBannerTable, summarizeCertificate } from '../../src/banner/index.js';
import type { MatchResult, ProbeSpec, ServiceInfo, TlsSummary } from '../../src/banner/index.js';
import { TCPWRAPPED } from '../../src/model/service.js';
import { serviceName } from '../../src/ports/services.js';
import { type ReadResult, kill, readAnswer, within } from './read.js';

export interface GrabOptions {
  /** The address scanned (for the HTTP Host header and TLS SNI when it is a name). */
  host: string;
  port: number;
  /** The whole time budget for this port, ms. */
  timeoutMs: number;
  /** Bytes kept from any one answer. */
  maxBytes: number;
  /** Stops the grab: sockets are reset and the promise resolves null. */
  signal?: AbortSignal;
  /** A new connection to the same host and port, for probes that need one. Without it only the first socket is used. */
  reconnect?: () => Promise<net.Socket>;
  /** Connections per port in all, the first one included (default 4). */
  maxConnections?: number;
  /** Another table (tests); the built-in data/banners.json by default. */
  table?: BannerTable;
}

/** Defaults of grabOne and of the grab's connection limit (the CLI's own defaults, in src/config, match them). */
export const BANNER_DEFAULTS = Object.freeze({ timeoutMs: 3000, maxBytes: 8192, maxConnections: 4 });

/**
 * The TLS alert an OpenSSL error code says the server sent (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: handshake_failure),
 * or null for any other failure (a reset, a timeout, no TLS at all). Such an alert is proof of TLS: a server that
 * wants a name (SNI, which an address target cannot send) or a client certificate; nmap says ssl/unknown there.
 */
export function alertName(code: string | undefined): string | null {
  // OpenSSL names five received alerts without _ALERT_ (helper 19: nginx's ssl_reject_handshake sends unrecognized_name).
  const m = /^ERR_SSL_(?:(?:SSLV3|TLSV1\d*)_ALERT_([A-Z_]+)|TLSV1_(UNRECOGNIZED_NAME|UNSUPPORTED_EXTENSION|CERTIFICATE_UNOBTAINABLE|BAD_CERTIFICATE_STATUS_RESPONSE|BAD_CERTIFICATE_HASH_VALUE))$/.exec(code ?? '');
  return m ? (m[1] ?? m[2])!.toLowerCase() : null;
}

/**
 * How a budget is split: the listen, each later probe, and the silence that
 * ends an answer; a greeting of text cut before its line end gets a longer
 * silence (`greetingIdleMs`; a binary one, MySQL's, does not): a segment
 * lost on the way comes again no sooner than 200 ms (Linux's least
 * retransmission timeout), and a greeting in two pieces 200 ms apart was
 * read as its first piece ("SSH-2.0-Open": software "Open", no product),
 * where nmap waits for the line. The listen has no cap of its own: a user
 * who raises --banner-timeout for a mail server that pauses its greeting
 * (Postfix's postscreen takes a client that speaks first for a spambot) gets
 * a longer listen, where 800 ms at most sent it the HTTP GET first.
 */
export function grabPlan(timeoutMs: number): { listenMs: number; probeMs: number; idleMs: number; greetingIdleMs: number } {
  return {
    listenMs: Math.round(Math.max(100, timeoutMs / 5)),
    probeMs: Math.round(Math.max(100, timeoutMs / 3)),
    idleMs: 50,
    greetingIdleMs: 250,
  };
}

/** An HTTP 400 status line (see step()). */
const BAD_REQUEST = /^HTTP\/1\.[01] 400 /;

/** An HTTP answer's status line: until its blank line (the probes' `until`) the head is not over. */
const HTTP_HEAD = /^HTTP\/\d\.\d \d{3}/;

function fill(payload: string, host: string, port: number): Buffer {
  const h = host.includes(':') ? `[${host}]` : host;
  return Buffer.from(payload.replaceAll('{host}', h).replaceAll('{port}', String(port)), 'latin1');
}

/** One grab's state: the sockets it owns, the clock, what it has learned so far. */
class Grab {
  private readonly t0 = performance.now();
  private readonly plan: ReturnType<typeof grabPlan>;
  private readonly owned = new Set<net.Socket>();
  private current: { socket: net.Socket; fresh: boolean } | null;
  private connections = 1;
  private soft: { m: MatchResult; data: Buffer; probes: readonly string[] } | null = null;
  /** Reads that ended with the peer closing or resetting, nothing said; and those that ended otherwise. */
  private closedSilent = 0;
  private otherEnds = 0;
  private firstAnswer: Buffer | null = null;
  private tlsSummary: TlsSummary | null = null;
  /** The alert a TLS server answered our handshake with (handshake_failure, …), or null. */
  private tlsAlert: string | null = null;
  /** Our handshake failed with no alert (a reset, a close, plain text, the time): no TLS spoken here. */
  private tlsFailed = false;

  constructor(
    socket: net.Socket,
    private readonly opts: GrabOptions,
    private readonly table: BannerTable,
  ) {
    this.plan = grabPlan(opts.timeoutMs);
    this.own(socket);
    this.current = { socket, fresh: !socket.destroyed };
  }

  private get aborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  private remaining(): number {
    return this.opts.timeoutMs - (performance.now() - this.t0);
  }

  private own(socket: net.Socket): void {
    this.owned.add(socket);
    // Errors end the read in progress (readAnswer listens too); between reads they only mean "closed".
    socket.on('error', () => undefined);
  }

  /** A socket nothing was sent on yet, or null when out of connections or time. */
  private async fresh(): Promise<net.Socket | null> {
    const cur = this.current;
    if (cur && cur.fresh && !cur.socket.destroyed && !cur.socket.readableEnded) return cur.socket;
    if (cur) kill(cur.socket);
    this.current = null;
    const max = this.opts.maxConnections ?? BANNER_DEFAULTS.maxConnections;
    if (!this.opts.reconnect || this.connections >= max || this.remaining() <= 0) return null;
    this.connections++;
    const socket = await within(this.opts.reconnect(), this.remaining(), (late) => kill(late), this.opts.signal);
    if (!socket) return null;
    this.own(socket);
    if (this.aborted) return null;
    this.current = { socket, fresh: true };
    return socket;
  }

  private async read(socket: net.Socket, limitMs: number, until: RegExp | undefined, midLineIdleMs?: number): Promise<ReadResult> {
    const { maxBytes, signal } = this.opts;
    const left = this.remaining();
    // A greeting still arriving mid-line when the listen ends is read on, within the port's budget.
    const midLineLimitMs = midLineIdleMs === undefined ? undefined : left;
    const r = await readAnswer(socket, { maxBytes, limitMs: Math.min(limitMs, left), idleMs: this.plan.idleMs, midLineIdleMs, midLineLimitMs, until, unfinished: HTTP_HEAD, unfinishedIdleMs: this.plan.greetingIdleMs, signal });
    if (r.data.length === 0 && (r.end === 'closed' || r.end === 'error')) this.closedSilent++;
    else if (r.end !== 'aborted') this.otherEnds++;
    return r;
  }

  /** Match an answer: a hard match is the result; a soft one is remembered and probing goes on. */
  private consider(probes: readonly string[], data: Buffer): MatchResult | null {
    if (data.length === 0) return null;
    this.firstAnswer ??= data;
    const m = this.table.match(probes, data);
    if (m && m.soft) this.soft = { m, data, probes };
    return m && !m.soft ? m : null;
  }

  private result(m: MatchResult | null, data: Buffer | null, overTls: boolean): ServiceInfo {
    const info: ServiceInfo = m
      ? { service: overTls ? this.table.tlsName(m.service) : m.service, serviceSource: 'probe' }
      : { service: serviceName(this.opts.port), serviceSource: 'port' };
    if (m?.product !== undefined) info.product = m.product;
    if (m?.version !== undefined) info.version = m.version;
    if (m?.extraInfo !== undefined) info.extraInfo = m.extraInfo;
    if (data && data.length > 0) info.banner = escapeBanner(data);
    if (this.tlsSummary) info.tls = this.tlsSummary;
    return info;
  }

  /**
   * Nothing matched hard: the soft match, or TLS without a known inner
   * service, or tcpwrapped (every connection closed or reset with nothing
   * said, as nmap names it), or the port's guess.
   */
  private fallback(): ServiceInfo {
    // A TLS alert to our handshake (a server that wants a name, SNI, or a client certificate): TLS, nothing read inside.
    if (this.tlsAlert !== null && !this.tlsSummary && (!this.soft || this.soft.m.service === 'tls')) {
      return { ...this.result(null, this.soft?.data ?? this.firstAnswer, false), service: 'tls', serviceSource: 'probe', extraInfo: `handshake refused: ${this.tlsAlert} alert` };
    }
    if (this.closedSilent > 0 && this.otherEnds === 0 && !this.tlsSummary && !this.soft && this.firstAnswer === null) return { ...TCPWRAPPED };
    if (this.tlsSummary) {
      const inner = this.soft && this.soft.m.service !== 'tls' ? this.soft : null;
      const out = this.result(inner?.m ?? null, inner?.data ?? this.firstAnswer, inner !== null);
      if (!inner) Object.assign(out, { service: 'tls', serviceSource: 'probe' });
      return out;
    }
    // A plain answer that only read like a TLS port's (an HTTP proxy relaying an HTTPS backend's complaint), where our
    // handshake then failed with no alert: the hard rules behind the soft one name it (helper 19: 'tls', where it was
    // and nmap says http nginx).
    if (this.soft?.m.service === 'tls' && this.tlsFailed) {
      const hard = this.table.match(this.soft.probes, this.soft.data, true);
      if (hard) return this.result(hard, this.soft.data, false);
    }
    if (this.soft) return this.result(this.soft.m, this.soft.data, false);
    return this.result(null, this.firstAnswer, false);
  }

  async run(): Promise<ServiceInfo | null> {
    for (const probe of this.table.probes) {
      if (this.aborted) return null;
      if (this.remaining() <= 0) break;
      if (this.soft && !this.table.canName(probe, this.soft.m.service)) continue;
      const done = await this.step(probe);
      if (this.aborted) return null;
      if (done) return done;
    }
    return this.fallback();
  }

  /** One probe: a result when it settles the question, else null to go on. */
  private async step(probe: ProbeSpec): Promise<ServiceInfo | null> {
    if (probe.kind === 'listen') {
      const cur = this.current;
      if (!cur || !cur.fresh) return null; // listening only means something on a connection nothing was sent on
      const r = await this.read(cur.socket, this.plan.listenMs, this.table.untilOf(probe.name), this.plan.greetingIdleMs);
      if (r.data.length === 0) {
        if (r.end === 'closed' || r.end === 'error') cur.fresh = false;
        return null;
      }
      const m = this.consider([probe.name], r.data);
      // A service that spoke first is not sent our probes: an unknown greeting stays unknown.
      return m || !this.soft ? this.result(m, r.data, false) : null;
    }
    const socket = await this.fresh();
    if (!socket) return this.fallback();
    this.current!.fresh = false;
    if (probe.kind === 'send') {
      socket.write(fill(probe.payload, this.opts.host, this.opts.port));
      let r = await this.read(socket, this.plan.probeMs, this.table.untilOf(probe.name));
      // A 400 to our GET is what a TLS port says to plain HTTP, its reason in the body, which may come in a segment of
      // its own after the head's blank line ended the read: read on a moment (helper 19: Go's stayed http in 5 runs of 6).
      if (r.end === 'until' && BAD_REQUEST.test(r.data.toString('latin1', 0, 16))) {
        const body = await this.read(socket, this.plan.greetingIdleMs, undefined);
        r = { ...r, data: Buffer.concat([r.data, body.data]).subarray(0, this.opts.maxBytes) };
      }
      // A greeting that came after the listen ended arrives here, in answer to the probe: the
      // listen's rules apply too, as nmap's NULL-probe matches do to every probe (an SMTP server
      // that greets after 1.5 s, Sendmail's greet_pause, was 'unknown' with its greeting as banner).
      const m = this.consider([probe.name, ...this.table.listenProbes()], r.data);
      return m ? this.result(m, r.data, false) : null;
    }
    return this.tlsStep(probe, socket);
  }

  private async tlsStep(probe: Extract<ProbeSpec, { kind: 'tls' }>, raw: net.Socket): Promise<ServiceInfo | null> {
    const host = this.opts.host;
    const secure = tls.connect({
      socket: raw,
      rejectUnauthorized: false, // only to read the certificate: nothing is trusted or sent but the probe
      servername: net.isIP(host) === 0 ? host : undefined, // SNI takes names only
      minVersion: 'TLSv1', // old servers still show their certificate
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    secure.on('error', () => undefined);
    const limit = Math.min(this.plan.probeMs, this.remaining());
    const ok = await within(
      new Promise<boolean>((resolve) => {
        secure.once('secureConnect', () => resolve(true));
        secure.once('error', (err: NodeJS.ErrnoException) => {
          this.tlsAlert = alertName(err.code);
          resolve(false);
        });
        secure.once('close', () => resolve(false));
      }),
      limit,
      () => undefined,
      this.opts.signal,
    );
    if (!ok) {
      secure.destroy();
      this.tlsFailed = this.tlsAlert === null;
      return null;
    }
    this.tlsSummary = summarizeCertificate(secure.getPeerCertificate(false));
    const inner = this.table.probe(probe.inner);
    if (!inner || inner.kind !== 'send') return this.fallback();
    secure.write(fill(inner.payload, host, this.opts.port));
    const r = await this.read(secure as unknown as net.Socket, this.plan.probeMs, this.table.untilOf(inner.name));
    secure.destroy();
    if (r.data.length > 0) {
      this.firstAnswer = r.data;
      const m = this.table.match([...this.table.listenProbes(), inner.name], r.data);
      if (m && !m.soft) return this.result(m, r.data, true);
    }
    // The handshake worked: a TLS service, whatever the plain probes would say.
    return this.fallback();
  }

  close(): void {
    for (const s of this.owned) kill(s);
    this.owned.clear();
  }
}

/**
 * Detect the service on an already connected socket. The grab owns the
 * socket from here: it is reset (RST) when the grab ends, as is every socket
 * `reconnect` hands over. Resolves null only when `signal` aborted it; a
 * service that says nothing useful yields the port table's guess
 * (`serviceSource: 'port'`), with the raw answer as `banner` if there was one.
 */
export async function grabService(socket: net.Socket, opts: GrabOptions): Promise<ServiceInfo | null> {
  const grab = new Grab(socket, opts, opts.table ?? loadBannerTable());
  try {
    return await grab.run();
  } finally {
    grab.close();
  }
}
