/**
 * What a schema cannot say about a shard directory: that the manifest agrees
 * with its own config, that the checkpoint fits the scan's chunk plan, and
 * that the records file holds every record the checkpoint counts. Resume
 * checks all of it before it touches a file, so a damaged directory is
 * refused as it is, instead of being rewritten and then refused (or resumed
 * into a scan that silently skips work).
 */
import { ShardscanError, quote } from '../errors.js';
import type { CheckpointState } from '../model/checkpoint.js';
import { type ShardPlan, chunkBounds } from '../shard/plan.js';
import type { ProbeRecord } from '../model/record.js';
import type { PortState, StateCounts } from '../model/states.js';
import { type Manifest, recordsFileName } from './outdir.js';

function damaged(dir: string, what: string): ShardscanError {
  return new ShardscanError('E_RESUME', `${quote(dir)}: ${what}; the directory was damaged or edited, so it cannot be resumed (shardscan validate says more)`);
}

/** The manifest's own fields must agree with the config it stores. */
export function checkManifest(dir: string, m: Manifest): void {
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
export function checkCheckpoint(dir: string, cp: CheckpointState, plan: ShardPlan): void {
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
    covered += p.watermark;
  }
  if (total(cp.counts) !== covered) throw bad(`counts ${total(cp.counts)} decided positions, but its chunks cover ${covered}`);
}

/**
 * Every position the checkpoint counts in a recorded state has its record in
 * the file (the checkpoint never runs ahead of the records). Fewer means
 * lines were lost; resuming would leave holes that look like a complete scan.
 */
export function checkReplay(dir: string, cp: CheckpointState, states: readonly PortState[], replay: readonly ProbeRecord[]): void {
  const found: StateCounts = { open: 0, closed: 0, filtered: 0, error: 0 };
  for (const r of replay) found[r.state]++;
  for (const s of ['open', 'closed', 'filtered', 'error'] as const) {
    if (!states.includes(s)) {
      if (found[s] > 0) throw damaged(dir, `the records file holds ${s} records, but this scan records only ${states.join(',')}`);
    } else if (found[s] !== cp.counts[s]) {
      throw damaged(dir, `the checkpoint counts ${cp.counts[s]} ${s} ports, but the records file holds ${found[s]} of them`);
    }
  }
}
