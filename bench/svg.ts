/**
 * The two charts, written by hand as SVG text: no chart library, and a file
 * that opens in any browser and diffs as text.
 */
import type { CellResult, WorkloadId } from './types.js';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(body)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;
}

/** A "nice" axis maximum and step: 1, 2 or 5 × 10^n. */
function niceScale(max: number, ticks = 5): { top: number; step: number } {
  const raw = Math.max(max, 1) / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

const short = (n: number) => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(Math.round(n)));

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Horizontal reference lines (the goal) drawn across a panel. */
export interface Reference {
  label: string;
  value: number;
  color: string;
}

function ratePanel(box: Box, title: string, cells: CellResult[], refs: Reference[], yMax: number): string {
  const concs = [...new Set(cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  const workers = [...new Set(cells.map((c) => c.workers))].sort((a, b) => a - b);
  const { top, step } = niceScale(yMax);
  // Inset the first and last concurrency so their labels clear the y axis and the edge.
  const inset = 30;
  const px = (i: number) => box.x + inset + (concs.length === 1 ? (box.w - 2 * inset) / 2 : (i / (concs.length - 1)) * (box.w - 2 * inset));
  const py = (v: number) => box.y + box.h - (v / top) * box.h;
  const out = [text(box.x + box.w / 2, box.y - 14, title, 'text-anchor="middle" font-weight="bold"')];
  for (let v = 0; v <= top; v += step) {
    out.push(line(box.x, py(v), box.x + box.w, py(v), 'stroke="#e5e5e5"'), text(box.x - 6, py(v) + 4, short(v), 'text-anchor="end"'));
  }
  concs.forEach((c, i) => out.push(text(px(i), box.y + box.h + 16, String(c), 'text-anchor="middle"')));
  out.push(text(box.x + box.w / 2, box.y + box.h + 34, 'concurrency (connects in flight, all workers)', 'text-anchor="middle"'));
  out.push(text(box.x - 50, box.y + box.h / 2, 'targets/s', `transform="rotate(-90 ${box.x - 50} ${box.y + box.h / 2})" text-anchor="middle"`));
  for (const r of refs) {
    out.push(line(box.x, py(r.value), box.x + box.w, py(r.value), `stroke="${r.color}" stroke-dasharray="6 4"`));
    out.push(text(box.x + box.w - 4, py(r.value) - 4, `${r.label} ${short(r.value)}`, `text-anchor="end" fill="${r.color}"`));
  }
  workers.forEach((w, wi) => {
    const color = COLORS[wi % COLORS.length]!;
    const pts = concs.map((c, i) => ({ i, cell: cells.find((x) => x.workers === w && x.concurrency === c) })).filter((p) => p.cell);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.i).toFixed(1)},${py(p.cell!.rate.median).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      const c = p.cell!;
      out.push(line(px(p.i), py(c.rate.min), px(p.i), py(c.rate.max), `stroke="${color}"`));
      out.push(`<circle cx="${px(p.i).toFixed(1)}" cy="${py(c.rate.median).toFixed(1)}" r="3.5" fill="${color}"><title>${w} workers × ${c.concurrency}: median ${c.rate.median}, min ${c.rate.min}, max ${c.rate.max} targets/s</title></circle>`);
    }
  });
  return out.join('\n');
}

/**
 * Targets/s (median, whiskers min–max) against concurrency, one line per
 * worker count, one panel per workload; a dashed line for the goal.
 */
export function throughputChart(cells: CellResult[], panels: { id: WorkloadId; title: string; refs: Reference[] }[]): string {
  const W = 980;
  const H = 440;
  const panelW = (W - 120) / panels.length - 40;
  const chosen = cells.filter((c) => panels.some((p) => p.id === c.workload));
  const yMax = Math.max(...chosen.map((c) => c.rate.max), ...panels.flatMap((p) => p.refs.map((r) => r.value))) * 1.08;
  const workers = [...new Set(chosen.map((c) => c.workers))].sort((a, b) => a - b);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(W / 2, 22, 'shardscan targets/s (CLI elapsedMs) by concurrency; one line per worker count', 'text-anchor="middle" font-size="15"'),
  ];
  panels.forEach((p, i) => {
    const box = { x: 80 + i * (panelW + 80), y: 70, w: panelW, h: H - 150 };
    out.push(ratePanel(box, p.title, chosen.filter((c) => c.workload === p.id), p.refs, yMax));
  });
  workers.forEach((w, i) => {
    const x = 80 + i * 110;
    out.push(line(x, H - 22, x + 24, H - 22, `stroke="${COLORS[i % COLORS.length]}" stroke-width="3"`), text(x + 30, H - 18, `${w} worker${w === 1 ? '' : 's'}`));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A bar chart of W3 overshoot counts per bin (uneven bins, equal bar widths). */
export function overshootChart(bins: readonly string[], counts: readonly number[], subtitle: string): string {
  const W = 980;
  const H = 420;
  const box = { x: 80, y: 70, w: W - 120, h: H - 160 };
  const { top, step } = niceScale(Math.max(...counts, 1));
  const bw = box.w / bins.length;
  const py = (v: number) => box.y + box.h - (v / top) * box.h;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(W / 2, 22, 'W3 timeout overshoot: classification time − (start + timeout), per filtered probe', 'text-anchor="middle" font-size="15"'),
    text(W / 2, 42, subtitle, 'text-anchor="middle" fill="#555"'),
  ];
  for (let v = 0; v <= top; v += step) {
    out.push(line(box.x, py(v), box.x + box.w, py(v), 'stroke="#e5e5e5"'), text(box.x - 6, py(v) + 4, String(v), 'text-anchor="end"'));
  }
  bins.forEach((label, i) => {
    const n = counts[i] ?? 0;
    const x = box.x + i * bw;
    // Green up to the 3 ms goal, red beyond it and for early classifications.
    const color = i === 0 || i > 4 ? '#d62728' : '#2ca02c';
    out.push(`<rect x="${(x + 4).toFixed(1)}" y="${py(n).toFixed(1)}" width="${(bw - 8).toFixed(1)}" height="${(box.y + box.h - py(n)).toFixed(1)}" fill="${color}"><title>${esc(label)} ms: ${n}</title></rect>`);
    if (n > 0) out.push(text(x + bw / 2, py(n) - 4, String(n), 'text-anchor="middle"'));
    out.push(text(x + bw / 2, box.y + box.h + 16, label, 'text-anchor="middle" font-size="11"'));
  });
  out.push(text(box.x + box.w / 2, box.y + box.h + 40, 'overshoot, ms (green: within the 3 ms goal)', 'text-anchor="middle"'));
  out.push(text(20, box.y + box.h / 2, 'probes', `transform="rotate(-90 20 ${box.y + box.h / 2})" text-anchor="middle"`));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
