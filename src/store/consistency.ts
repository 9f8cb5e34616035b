/**
 * What a schema cannot say about a shard directory: that the manifest agrees
 * with its own config, that the checkpoint fits the scan's chunk plan, and
 * that the records file holds every record the checkpoint counts. Resume
 * checks all of it before it touches a file, so a damaged directory is
 * refused as it is, instead of being rewritten and then refused (or resumed
 * into a scan that silently skips work).
 */
import { ShardscanError, plural, quote } from '../errors.js';
import type { CheckpointState } from '../model/checkpoint.js';
import { type ShardPlan, chunkBounds, locate } from '../shard/plan.js';
import { positionOf } from '../permute/index.js';
import type { ProbeRecord } from '../model/record.js';
import { PORT_STATES, type PortState, type StateCounts, emptyCounts } from '../model/states.js';
import type { PreparedScan } from '../prepare.js';
import { type Manifest, recordsFileName } from './outdir.js';
import { endpoint } from '../targets/ip.js';

function damagedForResume(dir: string, what: string): ShardscanError {
  return new ShardscanError('E_RESUME', `${quote(dir)}: ${what}; the directory was damaged or edited, so it cannot be resumed (shardscan validate says more)`);
}

/** The manifest's own fields must agree with the config it stores. */
export function checkManifest(dir: string, m: Manifest, code: 'E_RESUME' | 'E_MERGE' = 'E_RESUME'): void {
  const damaged = code === 'E_RESUME' ? damagedForResume : broken;
  const c = m.config;
  if (c.seed !== m.seed) throw damaged(dir, `manifest.json says seed ${m.seed} but its config says ${String(c.seed)}`);
  if (!c.shard || c.shard.index !== m.shard.index || c.shard.total !== m.shard.total) throw damaged(dir, `manifest.json says shard ${m.shard.index}/${m.shard.total} but its config disagrees`);
  if (m.shard.index > m.shard.total) throw damaged(dir, `manifest.json names shard ${m.shard.index} of ${m.shard.total}`);
  if (m.records !== recordsFileName(m.shard)) throw damaged(dir, `manifest.json names records file ${quote(m.records)}, not ${recordsFileName(m.shard)}`);
}

function total(c: StateCounts): number {
  return c.open + c.closed + c.filtered + c.error;
}

/**
 * The checkpoint must describe chunks of this scan's plan. A completedBelow
 * past the last chunk would end the resumed scan at once, marked complete,
 * with positions never probed; a watermark past a chunk's end, the same.
 */
export function checkCheckpoint(dir: string, cp: CheckpointState, plan: ShardPlan, code: 'E_RESUME' | 'E_MERGE' = 'E_RESUME'): void {
  const damaged = code === 'E_RESUME' ? damagedForResume : broken;
  const bad = (what: string): ShardscanError => damaged(dir, `checkpoint.json ${what}`);
  if (cp.chunkSize !== plan.chunkSize || cp.chunks !== plan.chunks) {
    throw bad(`was made with ${cp.chunks} chunks of ${cp.chunkSize}, this scan plans ${plan.chunks} of ${plan.chunkSize}`);
  }
  if (cp.completedBelow > plan.chunks) throw bad(`says ${cp.completedBelow} chunks are done, of ${plan.chunks}`);
  const seen = new Set<number>();
  for (const id of cp.completed) {
    if (id < cp.completedBelow || id >= plan.chunks || seen.has(id)) throw bad(`lists chunk ${id} as complete out of place`);
    seen.add(id);
  }
  let covered = 0;
  for (let id = 0; id < cp.completedBelow; id++) covered += chunkBounds(plan, id).count;
  for (const id of cp.completed) covered += chunkBounds(plan, id).count;
  for (const p of cp.partial) {
    if (p.id < cp.completedBelow || p.id >= plan.chunks || seen.has(p.id)) throw bad(`lists chunk ${p.id} as partial out of place`);
    seen.add(p.id);
    const size = chunkBounds(plan, p.id).count;
    if (p.watermark > size) throw bad(`puts chunk ${p.id}'s watermark at ${p.watermark}, past its ${size} positions`);
    let end = p.watermark;
    for (const [a, b] of p.done ?? []) {
      if (a < end || b <= a || b > size) throw bad(`lists offsets ${a} to ${b} of chunk ${p.id} as done out of place`);
      covered += b - a;
      end = b;
    }
    covered += p.watermark;
  }
  if (total(cp.counts) !== covered) throw bad(`counts ${total(cp.counts)} decided positions, but its chunks cover ${covered}`);
}

/**
 * Every position the checkpoint counts in a recorded state has its record in
 * the file (the checkpoint never runs ahead of the records). Fewer means
 * lines were lost; resuming would leave holes that look like a complete scan.
 * `runEnded`: the manifest says the run ended; when it had not, fewer is
 * most likely a copy taken while the scan ran (cp -r, scp), its records file
 * copied before its checkpoint: the refusal says so and what to do, where it
 * said only "damaged or edited" (audit).
 */
export function checkReplay(dir: string, cp: CheckpointState, states: readonly PortState[], found: StateCounts, runEnded: boolean, code: 'E_RESUME' | 'E_MERGE' = 'E_RESUME'): void {
  const damaged = code === 'E_RESUME' ? damagedForResume : broken;
  for (const s of ['open', 'closed', 'filtered', 'error'] as const) {
    if (!states.includes(s)) {
      if (found[s] > 0) throw damaged(dir, `the records file holds ${s} records, but this scan records only ${states.join(',')}`);
    } else if (found[s] !== cp.counts[s]) {
      const what = `the checkpoint counts ${plural(cp.counts[s], `${s} port`)}, but the records file holds ${found[s]} of them`;
      if (found[s] < cp.counts[s] && !runEnded) throw copiedLive(dir, what, code);
      throw damaged(dir, what);
    }
  }
}

/** The checkpoint ahead of the records of a run that had not ended: a copy of a live directory, most likely. */
function copiedLive(dir: string, what: string, code: 'E_RESUME' | 'E_MERGE'): ShardscanError {
  const cannot = code === 'E_RESUME' ? 'it cannot be resumed as it is' : 'it cannot be merged as it is';
  return new ShardscanError(
    code,
    `${quote(dir)}: ${what}: its checkpoint is ahead of its records, as in a copy taken while the scan ran (the records file copied before the checkpoint), or the file lost lines; ${cannot}: copy the directory again once that run has stopped, or remove its checkpoint.json and resume it from the start (nothing kept, every position probed again)`,
  );
}

/**
 * The manifest's figures must be its scan's: hosts, ports and this shard's
 * positions, and no more decided than there are (a manifest edited to
 * "probes": 0 showed 6011/0 (100.0 %), ETA 0:00; counts adding up past the
 * positions merged into "3002 of 3000 probes").
 */
export function checkFigures(dir: string, m: Manifest, prep: PreparedScan, code: 'E_RESUME' | 'E_MERGE' = 'E_RESUME'): void {
  const bad = (what: string): ShardscanError => (code === 'E_RESUME' ? damagedForResume(dir, what) : broken(dir, what));
  const { targets, ports, plan } = prep;
  if (m.hosts !== targets.count || m.ports !== ports.count || m.probes !== plan.positions) {
    throw bad(`manifest.json says ${m.hosts} hosts × ${m.ports} ports, ${m.probes} positions in this shard, but its config gives ${targets.count} × ${ports.count}, ${plan.positions} positions`);
  }
  if (total(m.counts) > m.probes) throw bad(`manifest.json counts ${total(m.counts)} decided ports, more than the shard's ${m.probes}`);
}

/** A complete shard's damage, for validate and merge (resume never opens one). */
function broken(dir: string, what: string): ShardscanError {
  return new ShardscanError('E_MERGE', `${quote(dir)}: ${what}; the directory was damaged or edited (shardscan validate says more)`);
}

/**
 * A complete shard decided every position once, and its records are exactly
 * those of the states it records (`found`: the records file's tally).
 */
function checkCompleteCounts(dir: string, m: Manifest, found: StateCounts): void {
  if (total(m.counts) !== m.probes) throw broken(dir, `manifest.json counts ${total(m.counts)} decided ports, but a complete shard decided all ${m.probes}`);
  for (const s of PORT_STATES) {
    if (!m.config.states.includes(s)) {
      if (found[s] > 0) throw broken(dir, `the records file holds ${s} records, but this scan records only ${m.config.states.join(',')}`);
    } else if (found[s] !== m.counts[s]) {
      throw broken(dir, `the manifest counts ${plural(m.counts[s], `${s} port`)}, but the records file holds ${found[s]} of them`);
    }
  }
}

/**
 * The positions of one shard seen so far, to find a record given twice (a
 * line repeated and another lost leaves the count right). A bitmap up to
 * 2^28 positions (32 MB); past that a set, given up past 4 million records
 * (then `add` always says new: memory stays bounded, as a scan's does).
 */
export class SeenPositions {
  private readonly bits: Uint8Array | null;
  private set: Set<number> | null;
  /** `positions`: the shard's; `total`: the shard count, which interleaves positions (plan.ts). */
  constructor(
    positions: number,
    private readonly total: number,
  ) {
    this.bits = positions <= 2 ** 28 ? new Uint8Array(Math.ceil(positions / 8)) : null;
    this.set = this.bits === null ? new Set() : null;
  }

  /** Mark a scan position (as positionIn gives it); false when it was seen before. */
  add(position: number): boolean {
    const i = Math.floor(position / this.total);
    if (this.bits !== null) {
      const mask = 1 << (i & 7);
      if (this.bits[i >> 3]! & mask) return false;
      this.bits[i >> 3]! |= mask;
      return true;
    }
    if (this.set === null) return true;
    if (this.set.has(i)) return false;
    this.set.add(i);
    if (this.set.size > 4_000_000) this.set = null;
    return true;
  }
}

/** A record given twice (line `n` of `path`): a scan writes each position once, so the directory was edited or damaged. */
export const twiceText = (path: string, n: number, r: ProbeRecord): string => `${path}:${n}: record ${endpoint(r.host, r.port)} is there twice; the directory was damaged or edited`;

/** A record's position in the scan's walk, or null when its host or port is not the scan's. */
export function positionIn(prep: PreparedScan, r: ProbeRecord): number | null {
  const h = prep.targets.indexOf(r.host);
  // One address, one spelling: an edited `0:0:0:0:0:0:0:1` beside `::1` made merge list a second host.
  if (h >= 0 && r.host.includes(':') && prep.targets.at(h) !== r.host) return null;
  const p = prep.ports.indexOf(r.port);
  return h >= 0 && p >= 0 ? positionOf(prep.perm, h * prep.ports.count + p) : null;
}

/** Where a record sits: its position in the walk, and its chunk and offset in this shard; null when it is not a position of this shard at all. */
export function placeOf(prep: PreparedScan, r: ProbeRecord): { position: number; chunk: number; k: number } | null {
  const position = positionIn(prep, r);
  const loc = position === null ? null : locate(prep.plan, position);
  return loc === null ? null : { position: position!, ...loc };
}

/**
 * What validate and merge hold a complete shard to, record by record: each
 * record a position of this shard, given once (a line repeated and another
 * lost kept the count right), and at the end its states as the manifest
 * counts them, with every position decided.
 */
export class CompleteShardCheck {
  private readonly seen: SeenPositions;
  private readonly found = emptyCounts();

  constructor(
    private readonly dir: string,
    private readonly m: Manifest,
    private readonly prep: PreparedScan,
  ) {
    this.seen = new SeenPositions(prep.plan.positions, prep.plan.shard.total);
  }

  /** The manifest's figures against its config (E_MERGE). */
  figures(): void {
    checkFigures(this.dir, this.m, this.prep, 'E_MERGE');
  }

  /** Count one record; what is wrong with it: not a position of this shard, given twice, or nothing. */
  add(r: ProbeRecord): 'stray' | 'twice' | null {
    this.found[r.state]++;
    const at = placeOf(this.prep, r);
    if (at === null) return 'stray';
    return this.seen.add(at.position) ? null : 'twice';
  }

  /** After the last record (E_MERGE). */
  end(): void {
    checkCompleteCounts(this.dir, this.m, this.found);
  }
}
