/**
 * `shardscan status [DIR…]`: the scans in the state directory (or in the
 * directories named), one line per scan with its total and one per shard,
 * as text or JSON; and the choice `resume` makes when it is given no directory.
 */
import { existsSync, statSync } from 'node:fs';
import { ShardscanError, quote } from '../errors.js';
import { type ScanGroup, type ShardStatus, type StatusReport, collectStatus, latestInterrupted } from '../store/status.js';
import { stateDir } from '../store/state-dir.js';
import { duration, formatRate } from './progress.js';

export interface StatusFlags {
  dirs?: string[];
  json?: boolean;
  format?: string;
}

/** 12345 → "12345", 204800 → "204.8k", 12_300_000 → "12.3M". */
export function compact(n: number): string {
  if (n < 100_000) return String(n);
  for (const [div, unit] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (n >= div) return `${(n / div).toFixed(1)}${unit}`;
  }
  return String(n);
}


const percent = (done: number, total: number): string => `${total > 0 ? ((100 * done) / total).toFixed(1) : '100.0'}%`;

/** "61/64 shards complete, 3 interrupted, 12.3M/13.1M probes (93.9%)". */
export function scanLine(g: ScanGroup): string {
  const { shards } = g;
  const parts = [`${shards.complete}/${shards.total} shard${shards.total === 1 ? '' : 's'} complete`];
  if (shards.running > 0) parts.push(`${shards.running} running`);
  if (shards.interrupted > 0) parts.push(`${shards.interrupted} interrupted`);
  if (shards.missing > 0) parts.push(`${shards.missing} missing`);
  if (shards.copies > 0) parts.push(`${shards.copies} extra ${shards.copies === 1 ? 'copy' : 'copies'} (each shard counted once)`);
  parts.push(`${compact(g.done)}/${compact(g.probes)} probes (${percent(g.done, g.probes)})`);
  return `scan ${g.scanKey}: ${parts.join(', ')}`;
}

function shardRow(e: ShardStatus): string[] {
  const eta = e.state === 'complete' ? '' : e.etaSec === null ? 'ETA ?' : `ETA ${duration(e.etaSec)}`;
  const state = e.stopReason && e.stopReason !== 'signal' ? `${e.state} (${e.stopReason})` : e.state;
  return [`shard ${e.shard.index}/${e.shard.total}`, state, `${compact(e.done)}/${compact(e.probes)} (${percent(e.done, e.probes)})`, formatRate(e.rate), eta, e.dir];
}

/** The report as text: per scan its line, what it scanned, then one aligned row per shard. */
export function statusText(report: StatusReport): string {
  let out = '';
  for (const g of report.scans) {
    out += `${scanLine(g)}\n  seed ${g.seed}, ${g.hosts} host${g.hosts === 1 ? '' : 's'} × ${g.ports} port${g.ports === 1 ? '' : 's'}, started ${g.startedAt}\n`;
    const rows = g.entries.map(shardRow);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) out += `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`;
  }
  for (const p of report.problems) out += `${p.dir}: cannot read: ${p.error}\n`;
  return out;
}

/** Run `status`; returns the exit status (1 when a shard directory could not be read). */
export function statusCommand(flags: StatusFlags, out: NodeJS.WritableStream = process.stdout): number {
  if (flags.format !== undefined && flags.format !== 'text' && flags.format !== 'json') {
    throw new ShardscanError('E_OPTION', `bad --format '${quote(flags.format)}' for status: use text or json, e.g. shardscan status --json`);
  }
  // Two answers to one question: --json --format text printed JSON without a word.
  if (flags.json === true && flags.format === 'text') throw new ShardscanError('E_OPTION', '--json and --format text ask for two formats; give one');
  const json = flags.json === true || flags.format === 'json';
  const dirs = flags.dirs && flags.dirs.length > 0 ? flags.dirs : [stateDir()];
  const given = flags.dirs !== undefined && flags.dirs.length > 0;
  // The state directory exists only once a scan wrote there: none yet is no scans, not an error.
  const report = given ? collectStatus(dirs) : collectOrEmpty(dirs[0]!);
  if (json) {
    out.write(`${JSON.stringify({ dirs, ...report }, null, 2)}\n`);
  } else if (report.scans.length === 0 && report.problems.length === 0) {
    out.write(`no scans in ${dirs.join(', ')}${given ? '' : ' (scans without --out-dir keep their shard directories there)'}\n`);
  } else {
    out.write(statusText(report));
  }
  return report.problems.length > 0 ? 1 : 0;
}

function collectOrEmpty(dir: string): StatusReport {
  if (!existsSync(dir)) return { scans: [], problems: [] };
  // A file there is no "no scans" (exit 0, as the audit found): `status FILE` refuses it.
  if (!statSync(dir).isDirectory()) throw new ShardscanError('E_OPTION', `the state directory '${quote(dir)}' is a file, not a directory; point SHARDSCAN_STATE_DIR at a directory`);
  return collectStatus([dir]);
}

/**
 * `resume` without a directory: the latest interrupted shard in the state
 * directory, said on stderr (even with -q: the user did not name it). Throws
 * E_RESUME when there is none.
 */
export function pickResumeDir(): string {
  const dir = stateDir();
  const report = collectOrEmpty(dir);
  const pick = latestInterrupted(report);
  if (pick === null) {
    const running = report.scans.flatMap((s) => s.entries).filter((e) => e.state === 'running');
    const why = running.length > 0 ? ` (${running.length} still running: ${running.map((e) => e.dir).join(', ')})` : '';
    throw new ShardscanError('E_RESUME', `no interrupted scan in ${dir}${why}; name one: shardscan resume DIR (shardscan status lists them)`);
  }
  process.stderr.write(`shardscan: no directory given; the latest interrupted scan is ${pick.dir} (started ${pick.startedAt}, ${percent(pick.done, pick.probes)} done)\n`);
  return pick.dir;
}
