/** The bench result as plain-text tables for the terminal (and the README). */
import { renderNet, renderTarget, renderTuning } from './net-table.js';
import { overshootRead } from './stats.js';
import { renderTable } from './text-table.js';
import type { Accuracy, BenchDocument, CellResult, Spread } from './types.js';

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => ((kb * 1024) / 1e6).toFixed(1);
const range = (s: Spread) => `${n0(s.median)} [${n0(s.min)}–${n0(s.max)}]`;

/** "51/51" (found/expected over open and filtered), "+3?" when some listeners were indeterminate. */
function accuracyText(a: Accuracy): string {
  const t = `${a.foundOpen + a.foundFiltered}/${a.expectedOpen + a.expectedFiltered}`;
  return a.indeterminate > 0 ? `${t} (+${a.indeterminate}?)` : t;
}

/** The run with the lowest accuracy, the one the cell is judged by. */
function worstRun(c: CellResult): Accuracy {
  return c.runs.map((r) => r.accuracy).sort((a, b) => a.ratio - b.ratio || b.falseOpens - a.falseOpens)[0]!;
}

function cellRows(cells: CellResult[]): string[][] {
  return cells.map((c) => {
    const row = [String(c.workers), String(c.concurrency), String(c.runs.length), range(c.rate), n0(c.wallRate.median), n0(c.userMs.median), n0(c.systemMs.median), mb(c.maxRssKb.max), accuracyText(worstRun(c)), String(c.falseOpens)];
    const t = c.timeout;
    if (t) row.push(overshootRead(t) ? `${t.medianMs} / ${t.p99Ms} / ${t.maxMs}` : 'not measured', String(t.early), `${n0(t.totalMs.median)} / ${n0(t.idealMs)} = ${t.totalVsIdeal}×`);
    return row;
  });
}

const CELL_HEADERS = ['workers', 'conc', 'runs', 'targets/s median [min–max]', 'wall t/s', 'user ms', 'sys ms', 'RSS MB', 'found/exp', 'false opens'];
const W3_HEADERS = ['overshoot ms p50 / p99 / max', 'early', 'total ms / ideal'];

/** The loopback part: one table per workload, nmap, memory, start-up, recommendation. */
function renderLoopback(doc: BenchDocument, out: string[]): void {
  out.push('targets/s = probes / the CLI\'s elapsedMs (scan time); "wall t/s" = probes / the child\'s wall clock (adds Node and pool start-up).');
  for (const w of doc.workloads ?? []) {
    const cells = (doc.cells ?? []).filter((c) => c.workload === w.id);
    out.push('', `${w.id}  ${w.title}: ${w.targets} × ${w.ports} (${n0(w.space)} targets${w.id === 'W4' ? `, walked for ${doc.plan.w4MatrixSec} s` : ''}); fixtures: ${w.fixtures}; flags ${w.flags.join(' ')}`);
    out.push(renderTable(w.id === 'W3' ? [...CELL_HEADERS, ...W3_HEADERS] : CELL_HEADERS, cellRows(cells)));
  }
  const nmap = doc.nmap;
  if (nmap) {
    out.push('', `nmap ${nmap.version ?? '(not installed)'}: ${nmap.note}`);
    if (nmap.workloads.length > 0) {
      out.push(
        renderTable(
          ['workload', 'nmap wall t/s median [min–max]', 'found/exp', 'false opens', 'shardscan best wall t/s', 'shardscan / nmap'],
          nmap.workloads.map((n) => [n.workload, range(n.wallRate), accuracyText(n.runs[0]!.accuracy), String(Math.max(...n.runs.map((r) => r.accuracy.falseOpens))), n0(n.shardscanWallRate), `${n.ratio}×`]),
        ),
      );
      for (const n of nmap.workloads) out.push(`  ${n.workload}: ${n.command}`);
    }
  }
  const m = doc.memory;
  if (m) {
    out.push('', `Memory at defaults (${m.defaults.workers} workers × ${m.defaults.concurrency}):`);
    out.push(renderTable(['run', 'probes', 'elapsed ms', 'peak RSS MB', 'command'], m.runs.map((r) => [r.name, n0(r.done), n0(r.elapsedMs), mb(r.maxRssKb), r.command])));
    if (m.w4ProbeRatio > 0) out.push(`W4 long/short: ${m.w4ProbeRatio}× the probes, RSS ${m.w4GrowthKb >= 0 ? '+' : ''}${mb(m.w4GrowthKb)} MB: ${m.flat ? 'flat' : 'NOT flat'}`);
  }
  if (doc.startup) {
    const node = doc.startup.node ? `; node -e 0 in the same runs: median ${doc.startup.node.medianMs} ms (${doc.startup.node.wallMs.join(', ')})` : '';
    out.push(`Start-up: ${doc.startup.command}: median ${doc.startup.medianMs} ms wall over ${doc.startup.wallMs.length} runs (${doc.startup.wallMs.join(', ')})${node}`);
  }
  if (doc.baseline) out.push(`Compared with ${doc.baseline.file} (${doc.baseline.createdAt}): W1 ${n0(doc.baseline.w1Rate)}, W2 ${n0(doc.baseline.w2Rate)} targets/s then`);
  out.push('');
  const r = doc.recommendation;
  out.push(r ? `Recommended on loopback: --workers ${r.workers} --concurrency ${r.concurrency} (W1 ${n0(r.w1Rate)} + W2 ${n0(r.w2Rate)} targets/s): ${doc.recommendationNote}` : `No loopback recommendation: ${doc.recommendationNote}`);
}

/** The whole report: loopback, network, tuning, --target, then the goals. */
export function renderReport(doc: BenchDocument): string {
  const out: string[] = [];
  out.push(`shardscan ${doc.shardscanVersion} bench (${doc.plan.mode}${doc.target ? ', --target' : ''}), ${doc.createdAt}, ${doc.machine.cores} cores (${doc.machine.cpuModel}), Node ${doc.machine.node}`);
  if (doc.cells) renderLoopback(doc, out);
  if (doc.net) out.push('', renderNet(doc.net));
  if (doc.tuning) out.push('', renderTuning(doc.tuning));
  if (doc.target) out.push('', renderTarget(doc.target));
  for (const [group, title] of [['loopback', 'Goals (loopback: issue 3, start-up, memory)'], ['network', 'Goals (network, through the lab; shardscan at its defaults)']] as const) {
    const goals = doc.goals.filter((g) => g.group === group);
    if (goals.length === 0) continue;
    out.push('', `${title}:`);
    for (const g of goals) out.push(`  [${g.holds ? 'holds' : 'FAILS'}] ${g.goal}: ${g.measured}`);
  }
  for (const note of doc.notes) out.push(`note: ${note}`);
  return out.join('\n');
}
