/**
 * The relay process (lab/relay.c) seen from TypeScript: start it between two
 * namespaces, wait for "ready", ask for its counters (SIGUSR1 → one JSON line
 * on stdout) and stop it (SIGTERM → the final line).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { labBinary } from './build.js';

/** One direction's settings: one-way delay and jitter in ms, loss in percent, a bottleneck in packets/s (0: none). */
export interface LinkSettings {
  delayMs: number;
  jitterMs: number;
  lossPct: number;
  bottleneckPps: number;
}

/** Counters of one direction, as relay.c prints them. */
export interface DirectionStats {
  /** Packets read from the TUN. */
  in: number;
  /** Packets written to the other TUN. */
  out: number;
  /** Dropped on purpose (the loss setting). */
  lost: number;
  /** Dropped because the queue was full: a result measured through this is void. */
  overflow: number;
  writeErrors: number;
  /** Packets waiting now, and the most that ever waited. */
  queued: number;
  maxQueued: number;
  /** The worst lateness of any release so far, against its scheduled time (µs). */
  maxLateUs: number;
  /** The same, over the time since the previous report only. */
  recentMaxLateUs: number;
  lateOver500us: number;
  lateOver1ms: number;
  /** Dropped because the bottleneck's queue was full (on purpose: a congested link). */
  congested: number;
}

/** A relay report: `ab` is scanner → target, `ba` target → scanner. */
export interface RelayReport {
  event: 'stats' | 'exit';
  /** Whether the relay got SCHED_FIFO (it asks for it; without, lateness under load grows). */
  realtime: boolean;
  ab: DirectionStats;
  ba: DirectionStats;
}

/** What starts a relay. */
export interface RelayOptions {
  nsA: string;
  nsB: string;
  dev: string;
  ab: LinkSettings;
  ba: LinkSettings;
  queue: number;
  /** Packets the bottleneck of each direction may queue before it drops. */
  bottleneckQueue: number;
  /** Extra one-way delay (ms) for packets to and from single IPv4 hosts. */
  hostDelayMs: Readonly<Record<string, number>>;
  seed: number;
  /** SCHED_FIFO priority, 0 for none. */
  rtPriority: number;
}

/** A running relay. */
export class Relay {
  readonly pid: number;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<(r: RelayReport) => void> = [];
  private last: RelayReport | null = null;
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    this.pid = child.pid!;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** Start the relay; resolves once both TUNs exist and are up. */
  static async start(opts: RelayOptions): Promise<Relay> {
    const args = [
      ['--ns-a', `/var/run/netns/${opts.nsA}`],
      ['--ns-b', `/var/run/netns/${opts.nsB}`],
      ['--dev', opts.dev],
      ['--delay-ab', opts.ab.delayMs],
      ['--delay-ba', opts.ba.delayMs],
      ['--jitter-ab', opts.ab.jitterMs],
      ['--jitter-ba', opts.ba.jitterMs],
      ['--loss-ab', opts.ab.lossPct],
      ['--loss-ba', opts.ba.lossPct],
      ['--bottleneck-ab', opts.ab.bottleneckPps],
      ['--bottleneck-ba', opts.ba.bottleneckPps],
      ['--bottleneck-queue', opts.bottleneckQueue],
      ['--queue', opts.queue],
      ['--seed', opts.seed],
      ['--rt', opts.rtPriority],
      ...Object.entries(opts.hostDelayMs).map(([host, ms]) => ['--host-delay', `${host}:${ms}`]),
    ].flatMap(([k, v]) => [String(k), String(v)]);
    // stdin stays a pipe: when this process dies, the relay reads EOF and exits.
    const child = spawn(labBinary('relay'), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const relay = new Relay(child);
    child.stderr.on('data', (d: Buffer) => (relay.stderr += d.toString()));
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab: relay not ready after 5 s: ${relay.stderr.trim()}`)), 5000);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`lab: relay exited with ${code}: ${relay.stderr.trim()}`));
      });
      lines.on('line', (line) => {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
          return;
        }
        if (!line.startsWith('{')) return;
        const report = JSON.parse(line) as RelayReport;
        relay.last = report;
        relay.waiting.shift()?.(report);
      });
    });
    return relay;
  }

  /** The relay's counters now. */
  stats(): Promise<RelayReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('lab: the relay did not answer SIGUSR1 within 2 s')), 2000);
      this.waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child.kill('SIGUSR1');
    });
  }

  /** Stop the relay and return its final counters (null if it died without them). */
  async stop(): Promise<RelayReport | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(killer);
    }
    return this.last?.event === 'exit' ? this.last : null;
  }

  /** For exit handlers: no waiting, no final counters. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
