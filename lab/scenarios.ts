/**
 * The named lab scenarios: delay, jitter, loss, dead hosts, firewalls, SYN
 * rate limits, ICMP unreachables. Each is a pure function of a seed: the same
 * seed gives the same listener placement and the same relay draws.
 */
import type { LabOptions } from './lab.js';
import type { LabRule } from './rules.js';

/** Everything needed to build a scenario's lab and score a scan through it. */
export interface Scenario {
  id: ScenarioId;
  description: string;
  lab: LabOptions;
  /** Where to start accepting listeners. */
  listeners: Array<{ host: string; ports: number[] }>;
  /** Target arguments as a scanner takes them (addresses and CIDRs). */
  targets: string[];
  /** The same targets, one address each (for the ground truth). */
  hosts: string[];
  /** The port list as a scanner takes it ("1-10000"). */
  portSpec: string;
  ports: number[];
}

export const SCENARIO_IDS = ['rtt0', 'rtt20', 'rtt200', 'rtt400', 'loss2', 'dead24', 'firewalled', 'ratelimit', 'icmp', 'mixed', 'congested', 'sharedlimit', 'jitter', 'longloss', 'mixloss', 'heavyloss', 'subnet', 'rstlimit', 'fwloss', 'fwdeep'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** A seeded PRNG (mulberry32), in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` distinct elements of `from`, in ascending order. */
export function sample(from: readonly number[], k: number, random: () => number): number[] {
  const pool = [...from];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k).sort((a, b) => a - b);
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** nmap's 16 most common TCP ports, for the dead /24. */
const COMMON16 = [21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 3306, 3389];

/** One host × ports 1-`n` (10,000), 20 open at seeded places, with the given link. */
function depth(id: ScenarioId, description: string, host: string, seed: number, lab: LabOptions, n = 10_000): Scenario {
  const ports = range(1, n);
  return {
    id,
    description,
    lab: { hosts: [host], seed, ...lab },
    listeners: [{ host, ports: sample(ports, 20, rng(seed)) }],
    targets: [host],
    hosts: [host],
    portSpec: `1-${n}`,
    ports,
  };
}

/** The scenario `id` with listener placement and relay draws from `seed`. */
export function scenario(id: ScenarioId, seed = 1): Scenario {
  switch (id) {
    case 'rtt0':
      return depth(id, '1 host × 10,000 ports, 20 open, no delay', '198.18.1.1', seed, {});
    case 'rtt20':
      return depth(id, 'the same, RTT 20 ms', '198.18.1.1', seed, { delayMs: 10 });
    case 'rtt200':
      return depth(id, 'the same, RTT 200 ms ± 5 ms jitter', '198.18.1.1', seed, { delayMs: 100, jitterMs: 2.5 });
    case 'rtt400':
      return depth(id, 'the same, RTT 400 ms ± 5 ms jitter', '198.18.1.1', seed, { delayMs: 200, jitterMs: 2.5 });
    case 'loss2':
      return depth(id, 'rtt200 plus 2 % loss each way', '198.18.1.1', seed, { delayMs: 100, jitterMs: 2.5, lossPct: 2 });
    case 'dead24': {
      const hosts = range(0, 255).map((i) => `198.18.2.${i}`);
      return {
        id,
        description: 'a dead /24 × 16 ports, RTT 20 ms: no host answers',
        lab: { delayMs: 10, deadPrefixes: ['198.18.2.0/24'], seed },
        listeners: [],
        targets: ['198.18.2.0/24'],
        hosts,
        portSpec: COMMON16.join(','),
        ports: COMMON16,
      };
    }
    case 'subnet': {
      // Breadth at a real round trip: what a subnet scan costs per probe, beside the single-host depth scenarios.
      const hosts = range(64, 127).map((i) => `198.18.3.${i}`);
      const ports = range(1, 1000);
      const random = rng(seed);
      return {
        id,
        description: 'a /26 of live hosts × 1,000 ports, RTT 20 ms: 64 hosts, 150 open ports among them',
        lab: { hosts, delayMs: 10, seed },
        listeners: hosts.map((host, i) => ({ host, ports: sample(ports, i < 22 ? 3 : 2, random) })),
        targets: ['198.18.3.64/26'],
        hosts,
        portSpec: '1-1000',
        ports,
      };
    }
    case 'firewalled': {
      const host = '198.18.1.2';
      const ports = range(1, 1000);
      const random = rng(seed);
      const answering = sample(ports, 100, random);
      const open = sample(answering, 10, random);
      const rules: LabRule[] = [{ kind: 'firewall', host, allow: answering }];
      return {
        id,
        description: 'a host that drops 900 of 1,000 ports; 100 answer (10 open), RTT 200 ms',
        lab: { hosts: [host], delayMs: 100, rules, seed },
        listeners: [{ host, ports: open }],
        targets: [host],
        hosts: [host],
        portSpec: '1-1000',
        ports,
      };
    }
    case 'ratelimit': {
      const host = '198.18.1.3';
      const ports = range(1, 10_000);
      const rules: LabRule[] = [{ kind: 'syn-limit', host, perSecond: 3000 }];
      return {
        id,
        description: 'a host behind a SYN rate limit of 3,000/s, 10,000 ports, 20 open, RTT 20 ms',
        lab: { hosts: [host], delayMs: 10, rules, seed },
        listeners: [{ host, ports: sample(ports, 20, rng(seed)) }],
        targets: [host],
        hosts: [host],
        portSpec: '1-10000',
        ports,
      };
    }
    case 'icmp': {
      const host = '198.18.1.4';
      const ports = range(1, 1000);
      const open = sample(ports, 1, rng(seed));
      const rules: LabRule[] = [{ kind: 'unreachable', host, except: open }];
      return {
        id,
        description: 'a host whose ports answer ICMP host-unreachable, one open port, 1,000 ports, RTT 20 ms',
        lab: { hosts: [host], delayMs: 10, rules, seed },
        listeners: [{ host, ports: open }],
        targets: [host],
        hosts: [host],
        portSpec: '1-1000',
        ports,
      };
    }
    case 'mixed': {
      // One relay, three distances: extra one-way delay per host on top of 1 ms each way.
      const hosts = ['198.18.1.5', '198.18.1.6', '198.18.1.7'];
      const ports = range(1, 1000);
      const random = rng(seed);
      return {
        id,
        description: 'three hosts at RTT 2, 50 and 300 ms, 1,000 ports each, 10 open on each',
        lab: { hosts, delayMs: 1, jitterMs: 0.5, hostDelayMs: { [hosts[1]!]: 24, [hosts[2]!]: 149 }, seed },
        listeners: hosts.map((host) => ({ host, ports: sample(ports, 10, random) })),
        targets: hosts,
        hosts,
        portSpec: '1-1000',
        ports,
      };
    }
    case 'congested':
      // A bottleneck of 3,000 packets/s each way with a 100-packet queue: round trips grow with the load, then SYNs are dropped.
      return depth(id, 'the same, RTT 20 ms through a congested link: 3,000 packets/s each way, 100 queued', '198.18.1.8', seed, {
        delayMs: 10,
        bottleneckPps: 3000,
        bottleneckQueue: 100,
      });
    case 'sharedlimit': {
      // A perimeter device's SYN flood guard: one limit for every host behind it, not one per host.
      const hosts = ['198.18.1.11', '198.18.1.12', '198.18.1.13', '198.18.1.14'];
      const ports = range(1, 5000);
      const random = rng(seed);
      const nft = 'table ip shared {\n  chain input {\n    type filter hook input priority -10; policy accept;\n    tcp flags & (syn | ack) == syn limit rate over 3000/second burst 5 packets drop\n  }\n}\n';
      return {
        id,
        description: '4 hosts × 5,000 ports, 10 open on each, behind one SYN rate limit of 3,000/s they share, RTT 20 ms',
        lab: { hosts, delayMs: 10, nft, seed },
        listeners: hosts.map((host) => ({ host, ports: sample(ports, 10, random) })),
        targets: hosts,
        hosts,
        portSpec: '1-5000',
        ports,
      };
    }
    case 'jitter':
      // Round trips spread from 20 to 380 ms: a burst's answers land shortest first, and the first ones set the estimate.
      return depth(id, 'the same, RTT 200 ms ± 180 ms jitter (90 ms each way)', '198.18.1.9', seed, { delayMs: 100, jitterMs: 90 });
    case 'longloss':
      // Long enough for random loss, taken for congestion, to ratchet the window down.
      return depth(id, '1 host × 40,000 ports, 20 open, RTT 20 ms, 2 % loss each way', '198.18.1.15', seed, { delayMs: 10, lossPct: 2 }, 40_000);
    case 'mixloss': {
      // Near, far and dead together over a lossy path: the scan-wide window must not take the random loss for a limiter.
      const hosts = ['198.18.1.16', '198.18.1.17', '198.18.1.18'];
      const dead = '198.18.1.19';
      const ports = range(1, 5000);
      const random = rng(seed);
      return {
        id,
        description: 'three hosts at RTT 2, 150 and 390 ms and a dead one, 5,000 ports each, 10 open on each live one, 5 % loss each way',
        lab: { hosts, delayMs: 1, jitterMs: 0.5, lossPct: 5, hostDelayMs: { [hosts[1]!]: 74, [hosts[2]!]: 194 }, deadPrefixes: [`${dead}/32`], seed },
        listeners: hosts.map((host) => ({ host, ports: sample(ports, 10, random) })),
        targets: [...hosts, dead],
        hosts: [...hosts, dead],
        portSpec: '1-5000',
        ports,
      };
    }
    case 'rstlimit': {
      // FreeBSD and macOS answer closed ports with RST only up to net.inet.icmp.icmplim a second (200; macOS 250), counted per
      // second: past it a closed port is silent, as if filtered. Open ports' SYN-ACKs are never limited.
      const host = '198.18.1.20';
      const ports = range(1, 1000);
      const nft = `table ip rstlimit {\n  chain output {\n    type filter hook output priority 0; policy accept;\n    ip saddr ${host} tcp flags & rst == rst limit rate over 200/second burst 200 packets drop\n  }\n}\n`;
      return {
        id,
        description: "a host that sends at most 200 RSTs a second (FreeBSD's icmplim), 1,000 ports, 10 open, RTT 20 ms",
        lab: { hosts: [host], delayMs: 10, nft, seed },
        listeners: [{ host, ports: sample(ports, 10, rng(seed)) }],
        targets: [host],
        hosts: [host],
        portSpec: '1-1000',
        ports,
      };
    }
    case 'fwloss': {
      // Firewalls over a lossy path: few answers to many probes, and answers that come only to retries. A limiter's
      // evidence read from either slows these hosts down (an engine change once took 108-463 s here, against ~2 s).
      const hosts = range(1, 20).map((i) => `198.18.4.${i}`);
      const ports = range(1, 200);
      const random = rng(seed);
      const answering = hosts.map(() => sample(ports, 5, random));
      const rules: LabRule[] = hosts.map((host, i) => ({ kind: 'firewall', host, allow: answering[i]! }));
      return {
        id,
        description: '20 hosts that each answer on 5 of 200 ports (2 open) and drop the rest, RTT 20 ms, 10 % loss each way',
        lab: { hosts, delayMs: 10, lossPct: 10, rules, seed },
        listeners: hosts.map((host, i) => ({ host, ports: sample(answering[i]!, 2, random) })),
        targets: hosts,
        hosts,
        portSpec: '1-200',
        ports,
      };
    }
    case 'fwdeep': {
      // Rebuilt from the notes of an audit's random lab (seed 43): hosts that drop or reject most of 2,000 ports each,
      // over a lossy path. Nearly every probe is one no retry will get answered, and the loss gives every dropped port
      // several tries (the engine once took 25-527 s here, against ~9 s).
      const hosts = range(1, 9).map((i) => `198.18.5.${i}`);
      const ports = range(1, 2000);
      const random = rng(seed);
      const answering = hosts.map((_, i) => sample(ports, [3, 8, 30, 3, 8, 30, 5, 5, 60][i]!, random));
      const rules: LabRule[] = hosts.map((host, i): LabRule => (i < 7 ? { kind: 'firewall', host, allow: answering[i]! } : { kind: 'unreachable', host, except: answering[i]! }));
      return {
        id,
        description: '9 hosts × 2,000 ports: 7 drop all but 3-30, 2 reject all but 5 and 60 (ICMP host-unreachable); RTT ~58 ms, 6.7 % loss toward them, 9.7 % back',
        lab: { hosts, delayMs: 29, jitterMs: 3, lossPct: { toTarget: 6.7, toScanner: 9.7 }, rules, seed },
        listeners: hosts.map((host, i) => ({ host, ports: sample(answering[i]!, Math.min(5, answering[i]!.length), random) })),
        targets: hosts,
        hosts,
        portSpec: '1-2000',
        ports,
      };
    }
    case 'heavyloss':
      // mixloss at 15 % loss each way: random loss that crosses the share that shrinks a window in most round trips.
      return { ...withLoss(scenario('mixloss', seed), 15, 'mixloss with 15 % loss each way'), id };
  }
}

/** The scenario with `lossPct` % random loss each way in place of its own (run-scenario --loss, and heavyloss). */
export function withLoss(s: Scenario, lossPct: number, description = `${s.description}; ${lossPct} % loss each way (--loss)`): Scenario {
  return { ...s, description, lab: { ...s.lab, lossPct } };
}
