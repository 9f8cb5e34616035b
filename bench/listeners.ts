/**
 * Ground truth for accuracy: which targets of a workload have a listener,
 * read from the kernel's own tables (/proc/net/tcp and /proc/net/tcp6), not
 * from the bench's fixture list. Other programs listen on this machine too
 * (e.g. 0.0.0.0:2024), and a scanner that reports them is right, not wrong.
 *
 * A LISTEN socket's rx_queue column is its accept queue length. A listener
 * whose queue is full drops SYNs, so it looks filtered, not open; /proc does
 * not show the queue's limit, so a non-empty queue is explained only for the
 * bench's own listeners: its blackholes (a stopped process, queue filled on
 * purpose: expected filtered) and its accepting fixtures (expected open).
 * Anyone else's listener with a queued backlog, or one that came or went
 * during a run, cannot be judged and is counted as indeterminate.
 */
import { readFileSync } from 'node:fs';

/** One LISTEN socket, as the IPv4 scans see it. */
export interface Listener {
  /** The IPv4 address it accepts on (unsigned 32-bit), or 'any' for 0.0.0.0 (and dual-stack ::). */
  v4: number | 'any';
  port: number;
  /** Connections waiting in its accept queue. */
  queued: number;
}

/** A workload's targets: a contiguous IPv4 range × a port list (or every port). */
export interface TargetSpace {
  firstHost: number;
  hostCount: number;
  ports: readonly number[] | 'all';
}

/** What a target should look like to a correct scanner. */
export type Expected = 'open' | 'filtered' | 'unknown' | 'none';

export interface GroundTruth {
  expectedOpen: number;
  expectedFiltered: number;
  indeterminate: number;
  expectedOf(host: number, port: number): Expected;
}

const LISTEN = '0A';

function swap32(hex: string): number {
  const v = Number.parseInt(hex, 16);
  // /proc prints the address as the kernel's u32 in host (little-endian) order.
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

function decodeV6(hex: string, dualStack: boolean): number | 'any' | null {
  const words = [0, 8, 16, 24].map((i) => swap32(hex.slice(i, i + 8)));
  if (words.every((w) => w === 0)) return dualStack ? 'any' : null;
  // ::ffff:a.b.c.d, an IPv4-mapped address: that IPv4 address.
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return words[3]!;
  return null;
}

function bindV6Only(): boolean {
  try {
    return readFileSync('/proc/sys/net/ipv6/bindv6only', 'utf8').trim() === '1';
  } catch (err) {
    void err; // no IPv6 sysctl: the kernel default (0, dual-stack) applies
    return false;
  }
}

function readTable(path: string, decode: (hex: string) => number | 'any' | null): Listener[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    void err; // no IPv6 on this kernel: no tcp6 table, so no IPv6 listeners
    return [];
  }
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[3] !== LISTEN) continue;
    const [addr, port] = f[1]!.split(':');
    const v4 = decode(addr!);
    if (v4 === null) continue;
    out.push({ v4: v4 === 0 ? 'any' : v4, port: Number.parseInt(port!, 16), queued: Number.parseInt(f[4]!.split(':')[1]!, 16) });
  }
  return out;
}

/** Every LISTEN socket an IPv4 connect can reach, from /proc/net/tcp and /proc/net/tcp6. */
export function readListeners(): Listener[] {
  // Node and most servers listen on :: without IPV6_V6ONLY, which also takes IPv4;
  // a socket that set V6ONLY itself is not visible in /proc (a documented limit).
  const dual = !bindV6Only();
  return [...readTable('/proc/net/tcp', swap32), ...readTable('/proc/net/tcp6', (h) => decodeV6(h, dual))];
}

/** "a.b.c.d:port" or "*:port", for listener keys and messages. */
export function listenerKey(v4: number | 'any', port: number): string {
  if (v4 === 'any') return `*:${port}`;
  return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}:${port}`;
}

/** The bench's own listeners, which explain a non-empty accept queue. */
export interface OwnListeners {
  /** "a.b.c.d:port" of accepting fixtures. */
  open: ReadonlySet<string>;
  /** "a.b.c.d:port" of blackholes (stopped owner, queue filled). */
  blackhole: ReadonlySet<string>;
}

function classify(key: string, before: Listener | undefined, after: Listener | undefined, own: OwnListeners): Expected {
  if (!before || !after) return 'unknown';
  if (before.queued === 0 && after.queued === 0) return 'open';
  if (own.blackhole.has(key)) return 'filtered';
  if (own.open.has(key)) return 'open';
  return 'unknown';
}

function inSpace(space: TargetSpace, l: Listener): number {
  const portOk = space.ports === 'all' ? l.port >= 1 && l.port <= 65535 : space.ports.includes(l.port);
  if (!portOk) return 0;
  if (l.v4 === 'any') return space.hostCount;
  return l.v4 >= space.firstHost && l.v4 < space.firstHost + space.hostCount ? 1 : 0;
}

/**
 * The truth for one run, from snapshots taken just before and just after it:
 * a listener present in both is judged (open, or filtered when it is one of
 * our blackholes), one present in only one is indeterminate.
 */
export function groundTruth(space: TargetSpace, before: readonly Listener[], after: readonly Listener[], own: OwnListeners): GroundTruth {
  const index = (ls: readonly Listener[]) => new Map(ls.map((l) => [listenerKey(l.v4, l.port), l]));
  const b = index(before);
  const a = index(after);
  const verdicts = new Map<string, Expected>();
  const truth = { expectedOpen: 0, expectedFiltered: 0, indeterminate: 0 };
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const l = (b.get(key) ?? a.get(key))!;
    const n = inSpace(space, l);
    if (n === 0) continue;
    const v = classify(key, b.get(key), a.get(key), own);
    verdicts.set(key, v);
    if (v === 'open') truth.expectedOpen += n;
    else if (v === 'filtered') truth.expectedFiltered += n;
    else truth.indeterminate += n;
  }
  return {
    ...truth,
    expectedOf(host, port) {
      return verdicts.get(listenerKey(host, port)) ?? verdicts.get(listenerKey('any', port)) ?? 'none';
    },
  };
}
