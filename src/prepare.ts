/**
 * A ScanConfig made concrete: resolved targets, the port set, the size of the
 * host×port space, the permutation and this machine's shard plan.
 */
import { type ConfigResult, type ResolveOptions, type ScanConfig, checkSourceForm, resolveConfig } from './config/index.js';
import { runsOnCallingThread } from './config/limits.js';
import { ShardscanError, errnoCode, messageOf } from './errors.js';
import { MAX_RANGE, Permutation } from './permute/index.js';
import { buildPorts, type PortSet, wildcardNotes } from './ports/parse.js';
import { type ShardPlan, defaultChunkSize, planShard } from './shard/plan.js';
import { type Blocked, blockedNote, loadBlocklist } from './targets/blocklist.js';
import { parseIPv6 } from './targets/ip.js';
import { type Resolver, buildTargets, otherAddressesNote, pinnedNamesNote } from './targets/parse.js';
import type { TargetSet } from './targets/set.js';
import { sha256Hex } from './sha256.js';
import { MAX_CLOCKED_HOSTS } from './wire/hosts.js';

export interface PreparedScan {
  /** The config with `resolved` filled in and `chunkSize` fixed. */
  config: Readonly<ScanConfig>;
  targets: TargetSet;
  ports: PortSet;
  /** hosts × ports. */
  range: number;
  perm: Permutation | null;
  plan: ShardPlan;
  /** Identifies the scan's space, order and semantics: equal on every shard of one scan. */
  scanKey: string;
  targetsDigest: string;
  /** Addresses of the targets the blocklist took out, and which ranges (count 0 when none). */
  blocked: Blocked;
  /** Names with more addresses than the one scanned: the others (see otherAddressesNote). */
  otherAddresses: Record<string, string[]>;
  /** Names a config's (or scan()'s) "resolved" gave that the targets or exclusions used: scanned at that address, not looked up. */
  pinned: Record<string, string>;
}

/**
 * --source-address must be a literal of the targets' family and an address of
 * this machine: checked by binding a listener to it, so a typo is one line
 * before the scan, not every probe failing in the workers.
 */
async function checkSourceAddress(address: string, targets: TargetSet): Promise<void> {
  checkSourceForm(address);
  const v6 = parseIPv6(address) !== null;
  const other = v6 ? targets.v4Count : targets.count - targets.v4Count;
  if (other > 0) {
    throw new ShardscanError('E_OPTION', `--source-address ${address} is IPv${v6 ? 6 : 4}, but ${other} of the targets ${other === 1 ? 'is' : 'are'} IPv${v6 ? 4 : 6}: scan them in another run`);
  }
  const { createServer } = await import('node:net');
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: 0, exclusive: true }, resolve);
    });
  } catch (err) {
    throw new ShardscanError('E_OPTION', `--source-address ${address} is not an address of this machine (${errnoCode(err) ?? messageOf(err)})`);
  } finally {
    server.close();
  }
}

/**
 * The host×port space, refused past 2^52 positions (the walk's limit,
 * src/permute): --shard does not shrink it, every shard walks the whole
 * space. It said "split it with --shard", and took spaces up to 2^53, where
 * the walk repeated some positions and never reached others.
 */
export function checkSpace(hosts: number, ports: number): number {
  const range = hosts * ports;
  if (range > MAX_RANGE || !Number.isSafeInteger(range)) {
    throw new ShardscanError('E_TOO_LARGE', `${hosts.toLocaleString('en-US')} hosts × ${ports.toLocaleString('en-US')} ports is too large a space (at most 2^52 = 4,503,599,627,370,496 host and port pairs): scan smaller networks or fewer ports in turn`);
  }
  return range;
}

/** Resolve names, build the sets, and plan this machine's part. */
export async function prepareScan(config: Readonly<ScanConfig>, resolver?: Resolver): Promise<PreparedScan> {
  // The ports first: a bad -p is refused before any host name is looked up (nmap refuses it first too).
  const ports = buildPorts({ ports: config.ports ?? undefined, topPorts: config.topPorts ?? undefined, excludePorts: config.excludePorts ?? undefined });
  const { set: targets, resolved, blocked, otherAddresses, pinned } = await buildTargets(
    {
      targets: config.targets,
      inputFile: config.inputFile ?? undefined,
      exclude: config.exclude,
      excludeFile: config.excludeFile ?? undefined,
      resolved: config.resolved,
      // Manifests written before these keys existed scan with today's defaults.
      blocklist: loadBlocklist(config.blocklist ?? true),
      yes: config.yes ?? false,
      family: config.family ?? null,
    },
    resolver,
  );
  if (config.sourceAddress !== null && config.sourceAddress !== undefined) await checkSourceAddress(config.sourceAddress, targets);
  const range = checkSpace(targets.count, ports.count);
  // Past MAX_CLOCKED_HOSTS neighbours would share a clock, and in random order one's first probe
  // would start it for the others: a /11 with --host-timeout 1s gave up 46 % of its hosts unprobed.
  if (config.hostTimeoutMs !== null && targets.count > MAX_CLOCKED_HOSTS) {
    throw new ShardscanError('E_OPTION', `--host-timeout times each host on its own clock, for up to ${MAX_CLOCKED_HOSTS.toLocaleString('en-US')} hosts; this scan has ${targets.count.toLocaleString('en-US')}: scan smaller networks in turn, or leave out --host-timeout`);
  }
  const perm = config.order === 'random' ? new Permutation(range, config.seed) : null;
  const chunkSize = chunkSizeOf(config, range);
  const plan = planShard(range, config.shard, chunkSize);
  const targetsDigest = digestOf(targets);
  // --banners changes what the records hold: only shards that agree on it merge (absent keeps older keys).
  const scanKey = shortHash([JSON.stringify([targetsDigest, ports.toString(), config.order, config.order === 'random' ? config.seed : 0, config.shard.total, config.timeoutMs, config.retries, [...config.states].sort(), ...(config.banners ? ['banners'] : [])])]);
  return { config: Object.freeze({ ...config, resolved: Object.freeze(resolved), chunkSize }), targets, ports, range, perm, plan, scanKey, targetsDigest, blocked, otherAddresses, pinned };
}

/** Positions a chunk holds: as given, or sized to the space this machine's shard walks and the worker count. */
function chunkSizeOf(config: Readonly<ScanConfig>, range: number): number {
  return config.chunkSize ?? defaultChunkSize(Math.ceil(range / config.shard.total), config.workers);
}

/** A scan's resolved options (what resolveConfig says of them) and the scan prepared from them. */
export interface ResolvedScan {
  result: ConfigResult;
  prep: PreparedScan;
}

/**
 * Options → a prepared scan whose descriptor limit is judged by the threads it will run on, which only its
 * plan tells (runsOnCallingThread): ulimit -n 100 refused a 10-port scan, which runs on the calling thread,
 * for the descriptors of two worker threads it never started. So the scan is planned first, with the limit
 * left aside, then its options are resolved again with the limit (which may refuse it, narrow its window, or
 * with it the worker count and so the chunks), keeping the seed drawn and the names looked up. `claim` is told
 * the window the moment it is sized (scan(): see limits.ts, claimFds).
 */
export async function resolveAndPrepare(given: Partial<ScanConfig>, threadsAsked: boolean, opts: ResolveOptions, resolver?: Resolver, claim?: (concurrency: number) => void): Promise<ResolvedScan> {
  const sizing = resolveConfig(given, { ...opts, fdLimit: Number.POSITIVE_INFINITY, heldFds: undefined });
  const sized = await prepareScan(sizing.config, resolver);
  const result = resolveConfig({ ...given, seed: sizing.config.seed }, { ...opts, mainThread: runsOnCallingThread(sized.plan.positions, threadsAsked) });
  // Claimed as it is sized, with no await between: two scans started together each counted the other's window as free.
  claim?.(result.config.concurrency);
  const chunkSize = chunkSizeOf(result.config, sized.range);
  const config = Object.freeze({ ...result.config, resolved: sized.config.resolved, chunkSize });
  const prep = { ...sized, config, plan: planShard(sized.range, config.shard, chunkSize) };
  return { result: { ...result, randomSeed: sizing.randomSeed }, prep };
}

/**
 * A digest of the exact target set, so a resumed scan can prove it walks the
 * same space. Here, not a TargetSet method: the worker threads bundle
 * targets/set.ts, and the node:crypto import it had then (sha256.ts since)
 * was loaded by every worker as it booted (require() of the worker bundle:
 * 14.7-24.5 ms with it, 11.6-18.3 ms without; peak RSS of a pool scan ~1 MB
 * less).
 */
export function digestOf(targets: TargetSet): string {
  return shortHash(targets.digestInput());
}

/** The first 16 hex digits of the SHA-256 of `parts`, in order (scan keys and target digests). */
function shortHash(parts: Iterable<string | Uint8Array>): string {
  return sha256Hex(parts).slice(0, 16);
}

/**
 * What the setup changed or left out, as the CLI says it before a scan and scan() gives it (`notes`): the config's
 * notes (`configNotes`: defaults, limits applied), port patterns, names pinned by a config's "resolved", blocked
 * hosts, a name's other addresses. The library dropped them all: a blocked host, a capped --concurrency, with no word.
 */
export function setupNotes(prep: PreparedScan, configNotes: readonly string[]): string[] {
  const { config } = prep;
  const more = [pinnedNamesNote(prep.pinned), blockedNote(prep.blocked), otherAddressesNote(prep.otherAddresses)];
  return [...configNotes, ...wildcardNotes({ ports: config.ports ?? undefined, excludePorts: config.excludePorts ?? undefined }), ...more.filter((n): n is string => n !== null)];
}

/**
 * Notes on the scan as prepared, said when it starts (a new scan's or a resume's). --host-timeout counts from a
 * host's first probe; in random order every host's ports are spread over the whole scan, so a scan that runs longer
 * gives up every host, however fast it answers (through the lab: a /24 × 100 ports with --host-timeout 1s gave up a
 * host 2 ms away, found 0-3 of 6 open ports; nmap times a host while its host group is scanned, and found them all).
 */
export function scanNotes(prep: PreparedScan): string[] {
  const { config } = prep;
  if (config.hostTimeoutMs === null || config.order !== 'random' || prep.targets.count < 2) return [];
  return [`--host-timeout counts from a host's first probe, and in random order each host's ports are spread over the whole scan: a scan longer than ${config.hostTimeoutMs / 1000} s gives hosts up however fast they answer; --order serial scans host by host, as nmap's host groups do`];
}
