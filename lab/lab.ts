/**
 * A network lab: two namespaces joined only by a userspace delay line.
 *
 *   <name>-scan: lo + lab0 (TUN) 198.18.0.1/32, one route: 198.18.0.0/15 via lab0
 *        │  relay.c: delay ± jitter, loss, per direction
 *   <name>-tgt:  lo holds the live hosts (/32s), lab0 (TUN) routes back to 198.18.0.1,
 *                everything else in 198.18.0.0/15 is a blackhole (dead hosts: SYNs vanish)
 *
 * Neither namespace has a link to the root namespace or any route outside
 * 198.18.0.0/15, so nothing a scan sends can leave the lab.
 */
import { parseIPv4 } from '../src/targets/ip.js';
import { ip, ipBatch, LAB_NAME_PREFIX, nsExec, reapStaleNamespaces, deleteNamespace, tunCounters, type TunCounters } from './netns.js';
import { Listeners } from './listeners.js';
import { type LinkSettings, Relay, type RelayReport } from './relay.js';
import { type LabRule, nftRuleset, type PortTruth, ruleTruth } from './rules.js';
import { GroundTruth } from './truth.js';

/** A number for both directions, or one per direction. */
export type PerDirection = number | { toTarget?: number; toScanner?: number };

/** Lab.create() options; everything optional. */
export interface LabOptions {
  /** One-way delay in ms (so RTT = toTarget + toScanner). Default 0. */
  delayMs?: PerDirection;
  /** Uniform jitter ± ms around the delay. Default 0. */
  jitterMs?: PerDirection;
  /** Random loss in percent. Default 0. */
  lossPct?: PerDirection;
  /** A congested link: at most this many packets per second, queued (round trips grow with the load), dropped past bottleneckQueue. Default none. */
  bottleneckPps?: PerDirection;
  /** Packets a bottleneck queues before it drops. Default 100. */
  bottleneckQueue?: number;
  /** Relay queue per direction, packets; an overflow voids results. Default 65,536. */
  queue?: number;
  /** Extra one-way delay in ms for single hosts, in both directions (their RTT grows by twice it): near and far hosts behind one relay. */
  hostDelayMs?: Readonly<Record<string, number>>;
  /** Seed of the relay's loss and jitter draws. Default 1. */
  seed?: number;
  /** Live target addresses (198.18.1.0 – 198.19.255.255). */
  hosts?: readonly string[];
  /** CIDRs routed to the target namespace where no host answers (documentation: all non-hosts are dead). */
  deadPrefixes?: readonly string[];
  /** Firewall rules of the target namespace. */
  rules?: readonly LabRule[];
  /** Raw nft text loaded after the rules. */
  nft?: string;
  /** Run the relay SCHED_FIFO (default true): keeps its release times precise while a scan loads both cores. */
  realtime?: boolean;
  /** Keep the kernel's ICMP error rate limit in the target (default false: every reject answers). */
  icmpRateLimit?: boolean;
}

/** Counters of the whole lab and whether results measured through it hold. */
export interface LabStats {
  relay: RelayReport;
  /** The kernel's drop counters of the two TUNs (packets the relay could not take in time). */
  tun: { scan: TunCounters; tgt: TunCounters };
  /** False when packets were lost other than on purpose: queue overflow, TUN drops, write errors. */
  clean: boolean;
  problems: string[];
}

/** The scanner's address; 198.18.0.0/24 is the scanner's side, targets live above it. */
export const SCANNER_ADDRESS = '198.18.0.1';
const LAB_NET = { base: parseIPv4('198.18.0.0')!, bits: 15 };
const DEV = 'lab0';

function inLab(addr: number, bits = 32): boolean {
  const mask = (~0 << (32 - LAB_NET.bits)) >>> 0;
  return bits >= LAB_NET.bits && ((addr & mask) >>> 0) === LAB_NET.base;
}

/** Check that a host or CIDR is inside 198.18.0.0/15 and off the scanner's /24. */
function checkAddress(spec: string, what: string): void {
  const [addr, len] = spec.split('/');
  const a = parseIPv4(addr ?? '');
  const bits = len === undefined ? 32 : Number(len);
  if (a === null || !Number.isInteger(bits) || bits < 15 || bits > 32 || !inLab(a, bits)) {
    throw new Error(`lab: ${what} '${spec}' is outside 198.18.0.0/15. Example: 198.18.1.7 or 198.18.2.0/24`);
  }
  if (a >>> 8 === parseIPv4(SCANNER_ADDRESS)! >>> 8) throw new Error(`lab: ${what} '${spec}' is in the scanner's 198.18.0.0/24`);
}

function direction(v: PerDirection | undefined): { toTarget: number; toScanner: number } {
  if (v === undefined) return { toTarget: 0, toScanner: 0 };
  if (typeof v === 'number') return { toTarget: v, toScanner: v };
  return { toTarget: v.toTarget ?? 0, toScanner: v.toScanner ?? 0 };
}

let counter = 0;
const live = new Set<Lab>();
let handlersInstalled = false;

/** Labs are torn down when the process exits or is interrupted, even after a failed test. */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const all = () => {
    for (const lab of live) lab.destroySync();
  };
  process.once('exit', all);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    // Kept installed: with `once`, a second Ctrl+C during the clean-up found no handler and
    // killed the process between two `ip netns del`, leaking both namespaces (7 of 7 tries).
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      all();
      // Exit here: re-raising the signal left a lab build that was awaiting to go on and fail
      // on its deleted namespace, with a stack trace and exit 1.
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** A running lab. */
export class Lab {
  /** Namespace names. */
  readonly scanNs: string;
  readonly tgtNs: string;
  readonly hosts: readonly string[];
  readonly rules: readonly LabRule[];
  readonly link: { toTarget: LinkSettings; toScanner: LinkSettings };
  private relay: Relay | null = null;
  private readonly listeners: Listeners;
  private readonly listening = new Map<string, Set<number>>();
  private destroyed = false;
  /** Its namespaces are deleted: the lab is out of `live` only from then on. */
  private gone = false;

  private constructor(name: string, opts: LabOptions) {
    this.scanNs = `${name}-scan`;
    this.tgtNs = `${name}-tgt`;
    this.hosts = [...(opts.hosts ?? [])];
    this.rules = [...(opts.rules ?? [])];
    const [d, j, l, b] = [direction(opts.delayMs), direction(opts.jitterMs), direction(opts.lossPct), direction(opts.bottleneckPps)];
    this.link = {
      toTarget: { delayMs: d.toTarget, jitterMs: j.toTarget, lossPct: l.toTarget, bottleneckPps: b.toTarget },
      toScanner: { delayMs: d.toScanner, jitterMs: j.toScanner, lossPct: l.toScanner, bottleneckPps: b.toScanner },
    };
    this.listeners = new Listeners(this.tgtNs);
  }

  /** Build a lab: namespaces, relay, addresses, routes, firewall. Reaps stale labs first. */
  static async create(opts: LabOptions = {}): Promise<Lab> {
    for (const h of opts.hosts ?? []) checkAddress(h, 'host');
    for (const p of opts.deadPrefixes ?? []) checkAddress(p, 'dead prefix');
    for (const r of opts.rules ?? []) checkAddress(r.host, `${r.kind} rule host`);
    for (const h of Object.keys(opts.hostDelayMs ?? {})) checkAddress(h, 'host-delay host');
    reapStaleNamespaces();
    installExitHandlers();
    const lab = new Lab(`${LAB_NAME_PREFIX}-${process.pid}-${counter++}`, opts);
    live.add(lab);
    try {
      await lab.build(opts);
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  private async build(opts: LabOptions): Promise<void> {
    for (const ns of [this.scanNs, this.tgtNs]) {
      ip(['netns', 'add', ns]);
      ipBatch(ns, ['link set lo up']);
      // The TUNs come up without IPv6, so no router solicitations or MLD reports cross the relay.
      nsExec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    // Every reject answers: the kernel's ICMP rate limit would turn most of them into timeouts.
    if (!opts.icmpRateLimit) nsExec(this.tgtNs, 'sysctl', ['-qw', 'net.ipv4.icmp_ratemask=0']);
    this.relay = await Relay.start({
      nsA: this.scanNs,
      nsB: this.tgtNs,
      dev: DEV,
      ab: this.link.toTarget,
      ba: this.link.toScanner,
      queue: opts.queue ?? 65536,
      hostDelayMs: opts.hostDelayMs ?? {},
      bottleneckQueue: opts.bottleneckQueue ?? 100,
      seed: opts.seed ?? 1,
      rtPriority: opts.realtime === false ? 0 : 10,
    });
    ipBatch(this.scanNs, [`addr add ${SCANNER_ADDRESS}/32 dev ${DEV}`, `route add 198.18.0.0/15 dev ${DEV} src ${SCANNER_ADDRESS}`]);
    ipBatch(this.tgtNs, [
      ...this.hosts.map((h) => `addr add ${h}/32 dev lo`),
      `route add ${SCANNER_ADDRESS}/32 dev ${DEV}`,
      'route add blackhole 198.18.0.0/15',
      ...(opts.deadPrefixes ?? []).map((p) => `route add blackhole ${p}`),
    ]);
    if (this.rules.length > 0 || opts.nft) nsExec(this.tgtNs, 'nft', ['-f', '-'], nftRuleset(this.rules, opts.nft ?? ''));
  }

  /** Shell prefix that runs a command inside the scanner namespace (like test/helpers/netns.ts). */
  get prefix(): string {
    return `exec ip netns exec ${this.scanNs}`;
  }

  /** argv that runs `command args` inside the scanner namespace (for spawn). */
  argv(command: string, args: readonly string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.scanNs, command, ...args]];
  }

  /** Pids of the relay and the listener child (null before the first listen()). */
  get pids(): { relay: number | null; listeners: number | null } {
    return { relay: this.relay?.pid ?? null, listeners: this.listeners.pid };
  }

  /** Start accepting listeners on `ports` of `host` inside the target namespace. */
  async listen(host: string, ports: readonly number[]): Promise<void> {
    if (!this.hosts.includes(host)) throw new Error(`lab: ${host} is not a live host of this lab (hosts: ${this.hosts.join(', ')})`);
    await this.listeners.listen(host, ports);
    const set = this.listening.get(host) ?? new Set<number>();
    for (const p of ports) set.add(p);
    this.listening.set(host, set);
  }

  /** What host:port should say, and why. */
  expectedOf(host: string, port: number): { state: PortTruth; reason: string } {
    if (!this.hosts.includes(host)) return { state: 'filtered', reason: 'timeout' };
    const ruled = ruleTruth(this.rules, host, port);
    if (ruled) return ruled;
    return this.listening.get(host)?.has(port) ? { state: 'open', reason: 'syn-ack' } : { state: 'closed', reason: 'ECONNREFUSED' };
  }

  /** The expected state of every host × port. */
  groundTruth(hosts: readonly string[], ports: readonly number[]): GroundTruth {
    const self = this;
    return new GroundTruth(
      (function* () {
        for (const h of hosts) for (const p of ports) yield [h, p, self.expectedOf(h, p).state] as [string, number, PortTruth];
      })(),
    );
  }

  /** Relay and TUN counters; `clean` is false once any packet was lost other than on purpose. */
  async stats(): Promise<LabStats> {
    if (!this.relay) throw new Error('lab: no relay');
    const relay = await this.relay.stats();
    return withVerdict(relay, { scan: tunCounters(this.scanNs, DEV), tgt: tunCounters(this.tgtNs, DEV) });
  }

  /**
   * Throw if packets were lost other than on purpose (since `baseline`, when
   * given): a result measured through an overflowing lab is void.
   */
  async assertClean(baseline?: LabStats): Promise<LabStats> {
    const now = await this.stats();
    const problems = baseline ? problemsSince(baseline, now) : now.problems;
    if (problems.length > 0) throw new Error(`lab: results are void: ${problems.join('; ')}`);
    return now;
  }

  /** Stop the relay and the listeners and delete the namespaces; returns the relay's final counters. */
  async destroy(): Promise<RelayReport | null> {
    if (this.destroyed) return null;
    this.destroyed = true;
    // Still in `live` while it waits: a signal meanwhile must delete its namespaces
    // (it skipped a lab marked destroyed, and 2 in 20 interrupted setups leaked).
    const final = (await this.relay?.stop()) ?? null;
    await this.listeners.stop();
    if (!this.gone) {
      this.gone = true;
      live.delete(this);
      deleteNamespace(this.scanNs);
      deleteNamespace(this.tgtNs);
    }
    return final;
  }

  /** The same, synchronously and without waiting (process exit handlers); also for a lab whose destroy() is under way. */
  destroySync(): void {
    if (this.gone) return;
    this.gone = true;
    this.destroyed = true;
    live.delete(this);
    this.relay?.kill();
    this.listeners.kill();
    for (const ns of [this.scanNs, this.tgtNs]) {
      try {
        deleteNamespace(ns);
      } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}

const COUNTERS = [
  ['ab.overflow', (s: LabStats) => s.relay.ab.overflow, 'relay queue overflow toward the target'],
  ['ba.overflow', (s: LabStats) => s.relay.ba.overflow, 'relay queue overflow toward the scanner'],
  ['ab.writeErrors', (s: LabStats) => s.relay.ab.writeErrors, 'relay write errors toward the target'],
  ['ba.writeErrors', (s: LabStats) => s.relay.ba.writeErrors, 'relay write errors toward the scanner'],
  ['tun.scan', (s: LabStats) => s.tun.scan.txDropped + s.tun.scan.rxDropped, 'kernel drops on the scanner TUN'],
  ['tun.tgt', (s: LabStats) => s.tun.tgt.txDropped + s.tun.tgt.rxDropped, 'kernel drops on the target TUN'],
] as const;

/** What went wrong between two readings of the same lab (before null: since the start). */
export function problemsSince(before: LabStats | null, after: LabStats): string[] {
  const problems: string[] = [];
  for (const [, get, what] of COUNTERS) {
    const n = get(after) - (before ? get(before) : 0);
    if (n > 0) problems.push(`${n} ${what}`);
  }
  return problems;
}

function withVerdict(relay: RelayReport, tun: LabStats['tun']): LabStats {
  const partial: LabStats = { relay, tun, clean: true, problems: [] };
  partial.problems = problemsSince(null, partial);
  partial.clean = partial.problems.length === 0;
  return partial;
}
