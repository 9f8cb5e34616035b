/**
 * Namespaces for running the CLI on targets outside loopback without any
 * packet leaving: `isolated()` has only its loopback (no route anywhere, so
 * connect() and DNS fail at once), `blackhole()` has a default route (IPv4 and
 * IPv6) into a veth pair whose far end, in a second namespace, drops every
 * TCP packet; nftables counts every SYN the scanner's namespace sends.
 *
 * Every namespace made here is deleted on afterAll and, should that never
 * run, when the process exits; stale ones from a killed run are reaped by
 * their name (shardscan-bh<pid>-…) once their pid is gone.
 */
import { execFileSync, spawnSync } from 'node:child_process';

const PREFIX = 'shardscan-bh';
/** The scanner's address and the black hole's, on the lab network (RFC 2544's 198.18.0.0/15). */
export const LAB_SELF = '198.18.0.1';
export const LAB_SINK = '198.18.0.2';

const live = new Set<string>();
let counter = 0;
process.once('exit', () => {
  for (const name of live) spawnSync('ip', ['netns', 'del', name]);
});

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Delete namespaces this helper made in processes that no longer exist. */
function reapStale(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}(\\d+)-\\S+)`).exec(line);
    if (!m || Number(m[2]) === process.pid) continue;
    try {
      process.kill(Number(m[2]), 0);
    } catch (err) {
      // ESRCH: the process that made it is gone, so it is stale.
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') spawnSync('ip', ['netns', 'del', m[1]!]);
    }
  }
}

function newNamespace(role: string): string {
  const name = `${PREFIX}${process.pid}-${counter++}-${role}`;
  ip('netns', 'add', name);
  live.add(name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  return name;
}

function deleteNamespace(name: string): void {
  if (!live.delete(name)) return;
  ip('netns', 'del', name);
}

/** A namespace to run the CLI in. */
export interface TestNamespace {
  name: string;
  /** Shell prefix for runCli's `prefix`. */
  prefix: string;
  destroy(): void;
}

/** A namespace with only its loopback: no route, no DNS server reachable, nothing leaves. */
export function isolated(): TestNamespace {
  reapStale();
  const name = newNamespace('iso');
  return { name, prefix: `exec ip netns exec ${name}`, destroy: () => deleteNamespace(name) };
}

/** SYN counts from the black-hole namespace's output chain. */
export interface SynCounts {
  /** SYNs to LAB_SINK (the only address a test may scan there). */
  lab: number;
  /** SYNs to anything else, over IPv4 or IPv6. */
  other: number;
}

export interface Blackhole extends TestNamespace {
  syns(): SynCounts;
}

/** A scanner namespace whose only routes lead into a namespace that drops all TCP. */
export function blackhole(): Blackhole {
  reapStale();
  const scanner = newNamespace('scan');
  const sink = newNamespace('sink');
  const veth = `bh${process.pid % 100000}x${counter}`;
  ip('link', 'add', `${veth}a`, 'netns', scanner, 'type', 'veth', 'peer', 'name', `${veth}b`, 'netns', sink);
  ip('-n', scanner, 'addr', 'add', `${LAB_SELF}/30`, 'dev', `${veth}a`);
  ip('-n', sink, 'addr', 'add', `${LAB_SINK}/30`, 'dev', `${veth}b`);
  ip('-n', scanner, 'link', 'set', `${veth}a`, 'up');
  ip('-n', sink, 'link', 'set', `${veth}b`, 'up');
  ip('-n', scanner, 'route', 'add', 'default', 'via', LAB_SINK);
  ip('-n', scanner, '-6', 'route', 'add', 'default', 'dev', `${veth}a`);
  const nft = (ns: string, rules: string): void => void execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules });
  nft(sink, `
table inet shardscan_sink {
  chain input { type filter hook input priority 0; policy accept; meta l4proto tcp drop; }
  chain forward { type filter hook forward priority 0; policy drop; }
}
`);
  nft(scanner, `
table inet shardscan_bh {
  counter syn_lab { }
  counter syn_other { }
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr ${LAB_SINK} tcp flags & (syn | ack) == syn counter name "syn_lab" accept
    tcp flags & (syn | ack) == syn counter name "syn_other"
  }
}
`);
  const read = (counterName: string): number => {
    const text = execFileSync('ip', ['netns', 'exec', scanner, 'nft', 'list', 'counter', 'inet', 'shardscan_bh', counterName], { encoding: 'utf8' });
    const m = /packets (\d+)/.exec(text);
    if (!m) throw new Error(`cannot read nft counter ${counterName}: ${text}`);
    return Number(m[1]);
  };
  return {
    name: scanner,
    prefix: `exec ip netns exec ${scanner}`,
    syns: () => ({ lab: read('syn_lab'), other: read('syn_other') }),
    destroy: () => {
      deleteNamespace(scanner);
      deleteNamespace(sink);
    },
  };
}
