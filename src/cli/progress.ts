/**
 * Progress on stderr: a live bar on a terminal, a status line every few
 * seconds otherwise. It only reads the coordinator's counters.
 */
import type { ProgressSnapshot } from '../model/summary.js';

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  read: () => ProgressSnapshot | null;
  /** Milliseconds between status lines when stderr is not a terminal. */
  plainEveryMs?: number;
  /** $TERM (default: the environment's); "dumb" gets plain lines. */
  term?: string;
}

/** A hold for the report's reader this long is said, and the ETA is not (it grew by the wait: 6 s every 5 s). */
const OUTPUT_WAIT_SAID_MS = 1000;

/** Probes per second in this run: `base` were done before it started (a resume's earlier runs). */
const rateOf = (s: ProgressSnapshot, base: number): number => Math.max(0, s.done - base) / Math.max(s.elapsedMs / 1000, 0.001);

function eta(s: ProgressSnapshot, base: number): string {
  const rate = rateOf(s, base);
  if (s.done === 0 || rate === 0 || (s.outputWaitMs ?? 0) >= OUTPUT_WAIT_SAID_MS) return '--:--';
  return duration((s.total - s.done) / rate);
}

/** A time left, as the progress line and `status` say it: 0:41, 1:02:03, 21d 10h (the line said 499:41:16 where status said 21d 10h). */
export function duration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export function formatRate(perSec: number): string {
  return perSec >= 10_000 ? `${(perSec / 1000).toFixed(1)}k/s` : `${Math.round(perSec)}/s`;
}

/**
 * One status line, e.g. "45.0% 29491/65535 probes, 87.1k/s, ETA 0:01, 1 open".
 * The rate and ETA count only this run's probes: a resume's earlier ones
 * (`base`) over this run's time read 202.4k/s at --rate 10000. Ports held
 * for a host that went silent, and hosts given up, are said when there are
 * any: through an outage the bar stood still for seconds with no word why.
 * So is a scan held because its report's reader takes nothing: the line
 * stood still, the rate decayed and the ETA grew, with no cause given.
 */
export function statusLine(s: ProgressSnapshot, base = 0): string {
  // Rounded down: "100.0%" only when every probe is done (it showed 100.0% at 65503/65535).
  const pct = s.total > 0 ? Math.floor((1000 * s.done) / s.total) / 10 : 100;
  const events = s.events > 0 ? `, ${s.events} local events` : '';
  const held = (s.held ?? 0) > 0 ? `, ${s.held} held for silent hosts` : '';
  const given = (s.hostsGivenUp ?? 0) > 0 ? `, ${s.hostsGivenUp} host${s.hostsGivenUp === 1 ? '' : 's'} given up` : '';
  const wait = s.outputWaitMs ?? 0;
  const paused = wait >= OUTPUT_WAIT_SAID_MS ? `, paused ${duration(wait / 1000)}: the report's reader takes nothing` : '';
  return `${pct.toFixed(1)}% ${s.done}/${s.total} probes, ${formatRate(rateOf(s, base))}, ETA ${eta(s, base)}, ${s.open} open${events}${held}${given}${paused}`;
}

/** The bar on screen now, if any: a signal's message clears it first (it was left half-drawn above "stopping…"). */
let active: Progress | null = null;
export function clearActiveBar(): void {
  active?.clear();
}

export class Progress {
  private readonly opts: ProgressOptions;
  private timer: NodeJS.Timeout | null = null;
  private readonly tty: boolean;
  private drawn = false;
  /** Probes done before this run (a resume's replayed ones). */
  private base = 0;

  constructor(opts: ProgressOptions) {
    this.opts = opts;
    // TERM=dumb has no cursor control: plain status lines, as on a pipe.
    this.tty = Boolean(opts.stream.isTTY) && (opts.term ?? process.env.TERM) !== 'dumb';
  }

  start(): void {
    this.base = this.opts.read()?.done ?? 0;
    active = this;
    const every = this.tty ? 200 : (this.opts.plainEveryMs ?? 5000);
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  private draw(): void {
    const s = this.opts.read();
    if (!s) return;
    if (!this.tty) {
      this.opts.stream.write(`progress: ${statusLine(s, this.base)}\n`);
      return;
    }
    const width = 24;
    const filled = s.total > 0 ? Math.min(width, Math.floor((width * s.done) / s.total)) : width;
    const cols = this.opts.stream.columns || 100;
    const status = statusLine(s, this.base);
    // On a narrow terminal the numbers matter more than the picture (they were cut mid-number).
    const line = cols - 1 >= status.length + width + 3 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${status}` : status;
    this.opts.stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
    this.drawn = true;
  }

  /** Wipe the bar (it comes back at the next tick), so a note can be printed on a clean line. */
  clear(): void {
    if (this.drawn) this.opts.stream.write('\r\x1b[K');
    this.drawn = false;
  }

  /** Remove the bar so the summary starts on a clean line. */
  stop(): void {
    if (active === this) active = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drawn) this.opts.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
