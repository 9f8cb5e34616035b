/**
 * Every lab scenario is well formed before a lab is built: its hosts and
 * listeners lie in the benchmarking range, its listeners on its own hosts and
 * ports, and its targets name exactly its hosts (the ground truth is scored
 * over `hosts`, the scanners get `targets`).
 */
import { describe, expect, it } from 'vitest';
import { SCENARIO_IDS, scenario } from '../lab/scenarios.js';
import { formatIPv4, parseIPv4 } from '../src/targets/ip.js';

const BENCH_LO = parseIPv4('198.18.0.0')!;
const BENCH_HI = parseIPv4('198.19.255.255')!;

/** The addresses a target argument names (an address or an IPv4 CIDR). */
function expand(target: string): string[] {
  const [base, bits] = target.split('/');
  if (bits === undefined) return [base!];
  const start = parseIPv4(base!)!;
  const n = 2 ** (32 - Number(bits));
  return Array.from({ length: n }, (_, i) => formatIPv4(start + i));
}

describe.each(SCENARIO_IDS)('lab scenario %s', (id) => {
  const s = scenario(id, 1);

  it('stays inside 198.18.0.0/15, with its targets naming exactly its hosts', () => {
    for (const h of s.hosts) {
      const v = parseIPv4(h);
      expect(v, h).not.toBeNull();
      expect(v! >= BENCH_LO && v! <= BENCH_HI, h).toBe(true);
    }
    expect(s.targets.flatMap(expand).sort()).toEqual([...s.hosts].sort());
  });

  it('listens only on its own hosts and ports, each port once a host', () => {
    const hosts = new Set(s.hosts);
    const ports = new Set(s.ports);
    for (const l of s.listeners) {
      expect(hosts.has(l.host), l.host).toBe(true);
      expect(new Set(l.ports).size).toBe(l.ports.length);
      for (const p of l.ports) expect(ports.has(p), `${l.host}:${p}`).toBe(true);
    }
  });
});

describe('lab scenario subnet', () => {
  it('is a /26 of live hosts × 1,000 ports with 150 open among them, at RTT 20 ms', () => {
    const s = scenario('subnet', 1);
    expect(s.hosts).toHaveLength(64);
    expect(s.lab.hosts).toEqual(s.hosts); // live: each host's closed ports answer RST
    expect(s.ports).toHaveLength(1000);
    expect(s.listeners.reduce((n, l) => n + l.ports.length, 0)).toBe(150);
    expect(s.lab.delayMs).toBe(10);
  });
});
