/**
 * Firewall scenarios for the target namespace, as typed rules: each one knows
 * its nftables text and what it does to the ground truth, so a scenario never
 * has to keep the two in step by hand.
 */

/** A rule of the target namespace's input chain. */
export type LabRule =
  /** SYNs to these ports vanish: filtered (timeout). */
  | { kind: 'drop'; host: string; ports: readonly number[] }
  /** Every TCP port of the host but `except` answers ICMP host-unreachable: filtered (EHOSTUNREACH). */
  | { kind: 'unreachable'; host: string; except?: readonly number[] }
  /** The host drops every TCP port but `allow` (those answer normally). */
  | { kind: 'firewall'; host: string; allow: readonly number[] }
  /** SYNs to the host beyond `perSecond` are dropped; the truth is unchanged (the ports are what they are). */
  | { kind: 'syn-limit'; host: string; perSecond: number; burst?: number };

/** What a port would say with no rate limit in the way. */
export type PortTruth = 'open' | 'closed' | 'filtered';

function set(ports: readonly number[]): string {
  return `{ ${ports.join(', ')} }`;
}

/** One nft rule line per LabRule. */
function ruleLine(r: LabRule): string {
  switch (r.kind) {
    case 'drop':
      return `ip daddr ${r.host} tcp dport ${set(r.ports)} drop`;
    case 'unreachable':
      return r.except && r.except.length > 0
        ? `ip daddr ${r.host} tcp dport != ${set(r.except)} reject with icmp type host-unreachable`
        : `ip daddr ${r.host} meta l4proto tcp reject with icmp type host-unreachable`;
    case 'firewall':
      return r.allow.length > 0 ? `ip daddr ${r.host} tcp dport != ${set(r.allow)} drop` : `ip daddr ${r.host} meta l4proto tcp drop`;
    case 'syn-limit':
      // One rule per host, so one token bucket per host; only initial SYNs count.
      return `ip daddr ${r.host} tcp flags & (syn | ack) == syn limit rate over ${r.perSecond}/second burst ${r.burst ?? 5} packets drop`;
  }
}

/**
 * The ruleset for `nft -f`: a table of its own, rate limits first (a border
 * device meets SYNs before the host's own filter does). `extra` is raw nft
 * text loaded after it.
 */
export function nftRuleset(rules: readonly LabRule[], extra = ''): string {
  const ordered = [...rules.filter((r) => r.kind === 'syn-limit'), ...rules.filter((r) => r.kind !== 'syn-limit')];
  const lines = ordered.map((r) => `    ${ruleLine(r)}`);
  return `table ip lab {\n  chain input {\n    type filter hook input priority 0; policy accept;\n${lines.join('\n')}\n  }\n}\n${extra}`;
}

/** How the rules classify host:port, or null when no rule decides it. */
export function ruleTruth(rules: readonly LabRule[], host: string, port: number): { state: 'filtered'; reason: string } | null {
  for (const r of rules) {
    if (r.host !== host) continue;
    if (r.kind === 'drop' && r.ports.includes(port)) return { state: 'filtered', reason: 'timeout' };
    if (r.kind === 'unreachable' && !(r.except ?? []).includes(port)) return { state: 'filtered', reason: 'EHOSTUNREACH' };
    if (r.kind === 'firewall' && !r.allow.includes(port)) return { state: 'filtered', reason: 'timeout' };
  }
  return null;
}
