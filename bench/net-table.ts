/** The network part, the tuning decision and --target as plain-text tables. */
import type { NetBannersResult, NetRun, NetSection, NetToolResult, TargetSection, TuningDecision } from './net-types.js';
import { truthText } from '../lab/truth.js';
import { median } from './stats.js';
import { renderTable } from './text-table.js';

const sec = (ms: number) => (ms / 1000).toFixed(2);
const n0 = (n: number) => Math.round(n).toLocaleString('en-US');

/** "0.81 0.79! 0.80v": every run, ! = over the cap, v = void (left out of the median). */
function runsText(runs: readonly NetRun[]): string {
  return runs.map((r) => `${sec(r.wallMs)}${r.overCap ? '!' : ''}${r.void.length ? 'v' : ''}`).join(' ');
}

/** The valid run with the most mistakes: a tool is judged by its worst run. */
function worst(runs: readonly NetRun[]): NetRun | null {
  const mistakes = (r: NetRun) => r.score.falseOpens + r.score.openMissed + r.score.closedAsFiltered + r.score.filteredAsClosed + r.score.missing + r.score.unexpected + (r.overCap ? 1 : 0);
  return runs.filter((r) => r.void.length === 0).sort((a, b) => mistakes(b) - mistakes(a))[0] ?? null;
}

function scoreCells(r: NetRun | null): string[] {
  if (!r) return ['-', '-', '-', '-', '-'];
  const s = r.score;
  const ge = s.approximate ? '≥' : '';
  return [`${s.openFound}/${s.expectedOpen}`, String(s.falseOpens), `${ge}${s.closedAsFiltered}`, `${ge}${s.filteredAsClosed}`, String(s.missing)];
}

function toolRow(t: NetToolResult): string[] {
  const median = t.medianMs === null ? 'void' : `${t.lowerBound ? '≥' : ''}${sec(t.medianMs)} [${t.validRuns}]`;
  const late = Math.max(0, ...t.runs.map((r) => r.maxLateUs));
  return [t.tool, median, scanText(t.runs), runsText(t.runs), `${t.exactRuns}/${t.validRuns}`, ...scoreCells(worst(t.runs)), `${(late / 1000).toFixed(1)}`];
}

/** shardscan's own scan time (no Node start-up), median of the valid runs; '-' for other tools. */
function scanText(runs: readonly NetRun[]): string {
  const scans = runs.filter((r) => r.void.length === 0 && r.scanMs !== null).map((r) => r.scanMs!);
  return scans.length === 0 ? '-' : sec(median(scans));
}

const HEAD = ['tool', 'median s [runs]', 'scan s', 'runs s', 'exact', 'open found', 'false open', 'closed→filt', 'filt→closed', 'missing', 'relay late ms'];

function bannerLines(b: NetBannersResult): string[] {
  const rows = [false, true].map((banners) => {
    const runs = b.runs.filter((r) => r.banners === banners);
    const valid = runs.filter((r) => r.void.length === 0);
    const median = banners ? b.withMs : b.withoutMs;
    return [
      banners ? 'shardscan --banners' : 'shardscan',
      median === null ? 'void' : `${sec(median)} [${valid.length}]`,
      scanText(runs),
      runsText(runs),
      `${valid.filter((r) => r.score.exact && !r.overCap).length}/${valid.length}`,
      ...scoreCells(worst(runs)),
      banners ? runs.map((r) => `${r.detected}/${b.services.ssh + b.services.http}`).join(' ') : '-',
    ];
  });
  const out = [
    `banners  ${b.description} on ${b.host} (${b.services.ssh} SSH greeters, ${b.services.http} HTTP servers, the rest closed); default --banner-timeout ${b.bannerTimeoutMs / 1000} s`,
    renderTable([...HEAD.slice(0, 10), 'services detected'], rows),
  ];
  if (b.ratio !== null && b.withMs !== null && b.withoutMs !== null) {
    out.push(`with / (without + ${b.bannerTimeoutMs / 1000} s) = ${sec(b.withMs)} / ${sec(b.withoutMs + b.bannerTimeoutMs)} = ${b.ratio}×; with / without = ${(b.withMs / b.withoutMs).toFixed(2)}×`);
  }
  const miss = b.runs.flatMap((r) => r.misdetected).slice(0, 3);
  if (miss.length > 0) out.push(`not detected: ${miss.join('; ')}`);
  return out;
}

/** One table per scenario, then the banner workload. */
export function renderNet(net: NetSection): string {
  const out = [`Network, ${net.note}`];
  if (!net.available) return out.join('\n');
  if (net.nmapVersion === null) out.push('nmap is not installed (apt-get install -y nmap): its rows are skipped');
  for (const s of net.scenarios) {
    out.push('', `${s.id}  ${s.description} (truth: ${truthText(s.truth)}); cap ${s.capMs / 1000} s a run`);
    out.push(renderTable(HEAD, s.tools.filter((t) => t.skipped === null).map(toolRow)));
    for (const tool of s.tools) out.push(`  ${tool.tool}: ${tool.skipped ?? (tool.command.length > 160 ? `${tool.command.slice(0, 157)}...` : tool.command)}`);
  }
  if (net.banners) out.push('', ...bannerLines(net.banners));
  out.push('', 'median = the lower middle of the valid runs (wall clock, spawn to exit, inside the scanner namespace); scan s = shardscan\'s own elapsedMs (no Node start-up), median; ! = killed at the cap (median then a lower bound, ≥); v = void: the lab lost packets other than on purpose, left out');
  out.push('≥ in the score: the tool gave only counts for some ports (nmap\'s "Not shown: 900 filtered, 90 closed"), mistakes there are a lower bound');
  return out.join('\n');
}

/** What --save may store, and the network check behind it. */
export function renderTuning(t: TuningDecision): string {
  const d = `${t.defaults.workers}w×${t.defaults.concurrency}`;
  const out = [`Tuning for --save: ${t.pick ? `--workers ${t.pick.workers} --concurrency ${t.pick.concurrency}` : `the defaults (${d}): nothing to store`}; ${t.rule}`];
  if (t.check.length > 0) {
    out.push(
      renderTable(
        ['scenario', 'candidate', 'median s', 'defaults s', 'ratio', 'exact'],
        t.check.map((r) => [
          r.scenario,
          `${r.workers}w×${r.concurrency}`,
          r.medianMs === null ? 'void' : sec(r.medianMs),
          r.defaultsMs === null ? 'void' : sec(r.defaultsMs),
          r.medianMs !== null && r.defaultsMs !== null ? `${(r.medianMs / r.defaultsMs).toFixed(2)}×` : '-',
          r.exact ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  if (t.savedTo) out.push(`Saved to ${t.savedTo}; the CLI now uses these as its defaults.`);
  if (t.removed) out.push(`Removed ${t.removed}: the CLI's own defaults are the right ones here.`);
  return out.join('\n');
}

/** `--target`: each setting's times and agreement. */
export function renderTarget(t: TargetSection): string {
  const out = [`Tuning against ${t.target} × ${t.ports} (${n0(t.addresses)} address(es) × ${n0(t.portCount)} ports), ${t.runs} run(s) per setting, --states all; ${t.opens} port(s) found open by some run`];
  out.push(
    renderTable(
      ['setting', 'workers', 'conc', 'wall s median', 'scan s median', 'runs wall s', 'missed opens', 'missed closed', 'other diffs', 'safe'],
      t.settings.map((s) => [s.label, String(s.workers), String(s.concurrency), sec(s.medianWallMs), sec(s.medianElapsedMs), s.runs.map((r) => sec(r.wallMs)).join(' '), String(s.missingOpens), String(s.missingClosed), String(s.otherDiffs), s.safe ? 'yes' : 'NO']),
    ),
  );
  out.push(`Recommended: ${t.recommended}: ${t.reason}`);
  return out.join('\n');
}
