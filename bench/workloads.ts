/**
 * W1–W4 of issue 3: each one's targets, ports, flags and fixtures. Everything
 * is on loopback (127.0.0.0/8); `assertLoopback` guards every target range
 * before a scan is started, so a typo cannot scan a real network.
 */
import { blackholePorts, openPorts } from '../test/fixtures/net.js';
import { formatIPv4, isLoopback, parseIPv4 } from '../src/targets/ip.js';
import { freePort, listenAt, prng } from './fixtures.js';
import { type OwnListeners, type TargetSpace, readListeners } from './listeners.js';
import type { BenchPlan, WorkloadId, WorkloadInfo } from './types.js';

/** A workload with its fixtures up, ready to be scanned. */
export interface PreparedWorkload {
  info: WorkloadInfo;
  space: TargetSpace;
  /** CLI arguments: targets, ports and the workload's flags. */
  args: string[];
  /** The --states the bench asks for: only what it scores. */
  states: string;
  own: OwnListeners;
  /** nmap's targets, ports and extra flags; null when nmap does not run it. */
  nmapArgs: string[] | null;
  close(): Promise<void>;
}

/** W2's sixteen common ports: the top of nmap's list, mixed privileged and not. */
export const COMMON_PORTS = [21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 3306, 3389, 5432, 6379, 8080, 8443] as const;
/** W2 listeners go on unprivileged common ports, so the bench works without root. */
const W2_LISTEN_PORTS = [3306, 3389, 5432, 6379, 8080, 8443] as const;
const W1_OPEN = 50;
const W2_OPEN = 32;
const W3_HOST = '127.0.0.3';

/** nmap flags that make W3 comparable: one try and the same 1000 ms timeout as shardscan. */
export const NMAP_W3_FLAGS = ['--max-retries', '0', '--initial-rtt-timeout', '1000ms', '--max-rtt-timeout', '1000ms'];

function assertLoopback(first: number, count: number): void {
  if (!isLoopback(formatIPv4(first)) || !isLoopback(formatIPv4(first + count - 1))) {
    throw new Error(`bench: ${formatIPv4(first)} + ${count} leaves 127.0.0.0/8; the bench scans loopback only`);
  }
}

function space(cidrBase: string, prefix: number, ports: readonly number[] | 'all'): TargetSpace {
  const firstHost = parseIPv4(cidrBase)!;
  const hostCount = 2 ** (32 - prefix);
  assertLoopback(firstHost, hostCount);
  return { firstHost, hostCount, ports };
}

const none: OwnListeners = { open: new Set(), blackhole: new Set() };
const timeoutFlags = (plan: BenchPlan, retries: number) => ['--timeout', String(plan.timeoutMs), '--retries', String(retries)];

async function w1(plan: BenchPlan): Promise<PreparedWorkload> {
  const fixture = await openPorts(W1_OPEN, '127.0.0.1');
  const flags = timeoutFlags(plan, 1);
  return {
    info: { id: 'W1', title: 'depth: every port of one host', targets: '127.0.0.1', ports: '1-65535', space: 65535, flags, fixtures: `${W1_OPEN} accepting listeners on kernel-chosen ports` },
    space: space('127.0.0.1', 32, 'all'),
    args: ['127.0.0.1', '-p-', ...flags],
    states: 'open',
    own: { open: new Set(fixture.ports.map((p) => `127.0.0.1:${p}`)), blackhole: new Set() },
    nmapArgs: ['-p-', '127.0.0.1'],
    close: () => fixture.close(),
  };
}

async function w2(plan: BenchPlan): Promise<PreparedWorkload> {
  const s = space('127.1.0.0', 20, COMMON_PORTS);
  const rand = prng(plan.seed);
  const pairs = new Map<string, { host: string; port: number }>();
  while (pairs.size < W2_OPEN) {
    const host = formatIPv4(s.firstHost + Math.floor(rand() * s.hostCount));
    const port = W2_LISTEN_PORTS[Math.floor(rand() * W2_LISTEN_PORTS.length)]!;
    pairs.set(`${host}:${port}`, { host, port });
  }
  const fixture = await listenAt([...pairs.values()]);
  const ports = COMMON_PORTS.join(',');
  const flags = timeoutFlags(plan, 1);
  return {
    info: { id: 'W2', title: 'breadth: 4096 hosts × 16 common ports', targets: '127.1.0.0/20', ports, space: 4096 * 16, flags, fixtures: `${fixture.keys.length} accepting listeners on random hosts, ports ${W2_LISTEN_PORTS.join('/')}` },
    space: s,
    args: ['127.1.0.0/20', '-p', ports, ...flags],
    states: 'open',
    own: { open: new Set(fixture.keys), blackhole: new Set() },
    nmapArgs: ['-p', ports, '127.1.0.0/20'],
    close: () => fixture.close(),
  };
}

async function w3(plan: BenchPlan): Promise<PreparedWorkload> {
  const fixture = await blackholePorts(plan.w3Targets, W3_HOST);
  const ports = fixture.ports.join(',');
  // One try, so every filtered record is one timeout and its overshoot is measurable.
  const flags = timeoutFlags(plan, 0);
  return {
    info: { id: 'W3', title: `timeout accuracy: ${plan.w3Targets} filtered targets`, targets: W3_HOST, ports: `${plan.w3Targets} blackhole ports`, space: plan.w3Targets, flags, fixtures: `${plan.w3Targets} listeners of a SIGSTOPped child with full accept queues` },
    space: space(W3_HOST, 32, fixture.ports),
    args: [W3_HOST, '-p', ports, ...flags],
    states: 'open,filtered',
    own: { open: new Set(), blackhole: new Set(fixture.ports.map((p) => `${W3_HOST}:${p}`)) },
    nmapArgs: [...NMAP_W3_FLAGS, '-p', ports, W3_HOST],
    close: () => fixture.close(),
  };
}

/** W4's fixed part; the bench adds --max-time per run (matrix, short, long). */
async function w4(plan: BenchPlan): Promise<PreparedWorkload> {
  const port = freePort(readListeners());
  const flags = timeoutFlags(plan, 1);
  return {
    info: { id: 'W4', title: 'memory: a /8 walked for a fixed time', targets: '127.0.0.0/8', ports: String(port), space: 2 ** 24, flags, fixtures: `none (port ${port} has no listener on any address)` },
    space: space('127.0.0.0', 8, [port]),
    args: ['127.0.0.0/8', '-p', String(port), ...flags],
    states: 'open',
    own: none,
    nmapArgs: null,
    close: async () => undefined,
  };
}

const BUILDERS: Record<WorkloadId, (plan: BenchPlan) => Promise<PreparedWorkload>> = { W1: w1, W2: w2, W3: w3, W4: w4 };

/** Start a workload's fixtures. Call close() when done, also on failure. */
export function prepareWorkload(id: WorkloadId, plan: BenchPlan): Promise<PreparedWorkload> {
  return BUILDERS[id](plan);
}
