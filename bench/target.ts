/**
 * `npm run bench -- --target ADDR -p PORTS [--yes] [--runs N] [--save]`:
 * tune against a network the user is allowed to scan. shardscan scans the
 * target at a few settings (the defaults, half and a quarter of the default
 * window, one worker), `runs` times each, interleaved, with --states all.
 *
 * A connect scan's open is a completed handshake and its closed a RST, never
 * a guess, so every port any run found open is open, and one any run found
 * closed (and none open) is closed; a setting that called one of them
 * anything else in any run is unsafe (a narrow window or fewer workers lost
 * answers, or the network drops under load: a closed port called filtered is
 * as wrong as a missed open, and a rate limiter shows first as lost RSTs).
 * The fastest safe setting (by scan time) wins; the defaults
 * win ties within NO_SLOWER. --save stores it (the defaults: removes an older
 * tuning file). A target where no port answered open or closed in any run
 * has nothing to tune against: nothing is recommended or stored.
 *
 * ADDR goes through the CLI's own target parser and blocklist; more than 256
 * addresses need --yes, so a typo cannot turn a tuning run into a sweep.
 */
import { existsSync, rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { buildPorts } from '../src/ports/parse.js';
import { AllBlocked, defaultBlocklist } from '../src/targets/blocklist.js';
import { buildTargets } from '../src/targets/parse.js';
import { isLoopback } from '../src/targets/ip.js';
import { SMALL_SCAN } from '../src/config/limits.js';
import { saveTuning, tuningPath } from '../src/config/tuning.js';
import { ShardscanError } from '../src/errors.js';
import { type ScanContext, runScan } from './child.js';
import { median, round } from './stats.js';
import type { TargetSection, TargetSetting } from './net-types.js';
import { NO_SLOWER, cliDefaults } from './tuning.js';
import type { Log } from './net-runs.js';

/** Most addresses --target takes without --yes. */
export const TARGET_MAX_ADDRESSES = 256;

/** The addresses of this machine's interfaces. */
function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** Check ADDR and PORTS the way the CLI would; throws a ShardscanError (exit 2) when they are refused. */
export async function checkTarget(target: string, ports: string, yes: boolean, own: ReadonlySet<string> = ownAddresses()): Promise<{ addresses: number; portCount: number; loopback: boolean }> {
  // The bench has no --no-blocklist: its refusal does not suggest one (it did, and the bench refused it).
  const { set, blocked } = await buildTargets({ targets: [target], blocklist: defaultBlocklist(), yes }).catch((err: unknown) => {
    throw err instanceof AllBlocked ? new ShardscanError('E_TARGET', `--target '${target}' is on ${err.label}: ${err.ranges}; tune against a host you may scan`) : err;
  });
  if (blocked.count > 0) throw new ShardscanError('E_TARGET', `--target '${target}' includes blocklisted addresses (${blocked.label}); tune against a host you may scan`);
  const count = Number(set.count);
  if (count > TARGET_MAX_ADDRESSES && !yes) {
    throw new ShardscanError('E_TARGET', `--target '${target}' is ${count.toLocaleString('en-US')} addresses; tuning takes a single host or a small network (≤ ${TARGET_MAX_ADDRESSES}) unless you add --yes`);
  }
  // Loopback answers at once and never loses a packet: see runTargetTuning. So does this machine's own address (a
  // probe to it goes through lo): --target at one's LAN address stored half the default window. One such address
  // is enough for a target's figures to be loopback's, and a /8 of 127.x is loopback too (over 2^20 it was not).
  let loopback = false;
  for (let i = 0; !loopback && i < Math.min(count, 1 << 20); i++) {
    const a = set.at(i);
    loopback = isLoopback(a) || own.has(a);
  }
  return { addresses: count, portCount: buildPorts({ ports }).count, loopback };
}

interface Planned {
  label: string;
  flags: string[];
}

/**
 * `small`: a scan of at most SMALL_SCAN probes, which the CLI runs on its main
 * thread at any setting but --workers: "one worker" would time a pool boot
 * against main-thread runs, and saved, it would run on the main thread anyway.
 */
function plannedSettings(small: boolean): Planned[] {
  const d = cliDefaults(small);
  const out: Planned[] = [
    { label: 'defaults', flags: [] },
    { label: 'half window', flags: ['--concurrency', String(Math.max(d.workers, d.concurrency >> 1))] },
    { label: 'quarter window', flags: ['--concurrency', String(Math.max(d.workers, d.concurrency >> 2))] },
  ];
  if (d.workers > 1 && !small) out.push({ label: 'one worker', flags: ['--workers', '1'] });
  return out;
}

type RunRecord = TargetSetting['runs'][number] & { states: Map<string, string> };

/** Score each setting against every open and closed port any run saw (open where runs disagree) and against the defaults' first run. */
export function judge(planned: readonly Planned[], runs: ReadonlyMap<string, RunRecord[]>, settings: Map<string, { workers: number; concurrency: number }>): { settings: TargetSetting[]; opens: number } {
  const opens = new Set<string>();
  const closes = new Set<string>();
  for (const rs of runs.values()) for (const r of rs) for (const [k, st] of r.states) if (st === 'open') opens.add(k);
  for (const rs of runs.values()) for (const r of rs) for (const [k, st] of r.states) if (st === 'closed' && !opens.has(k)) closes.add(k);
  const reference = runs.get('defaults')![0]!.states;
  const out = planned.map((p): TargetSetting => {
    const rs = runs.get(p.label)!;
    const missing = rs.map((r) => [...opens].filter((k) => r.states.get(k) !== 'open').length);
    const missingClosed = rs.map((r) => [...closes].filter((k) => r.states.get(k) !== 'closed').length);
    // What neither count holds: a filtered port called error, or the reverse.
    const diffs = rs.map((r) => [...r.states].filter(([k, st]) => !opens.has(k) && !closes.has(k) && reference.get(k) !== st).length);
    return {
      label: p.label,
      flags: p.flags,
      ...settings.get(p.label)!,
      runs: rs.map(({ states: _states, ...rest }) => rest),
      medianWallMs: round(median(rs.map((r) => r.wallMs)), 1),
      medianElapsedMs: round(median(rs.map((r) => r.elapsedMs)), 1),
      missingOpens: Math.max(...missing),
      missingClosed: Math.max(...missingClosed),
      otherDiffs: Math.max(...diffs),
      safe: Math.max(...missing) === 0 && Math.max(...missingClosed) === 0,
    };
  });
  return { settings: out, opens: opens.size };
}

export interface TargetOptions {
  target: string;
  ports: string;
  yes: boolean;
  runs: number;
  save: boolean;
  tuningFile?: string | undefined;
  measuredAt: string;
  ctx: ScanContext;
  log: Log;
}

/** Tune against the user's target; returns the section for the bench JSON and what --save did. */
export async function runTargetTuning(o: TargetOptions): Promise<{ section: TargetSection; savedTo: string | null; removed: string | null; said: string | null }> {
  const { addresses, portCount, loopback } = await checkTarget(o.target, o.ports, o.yes);
  o.log(`bench --target: scanning ${o.target} (${addresses} address${addresses === 1 ? '' : 'es'}) × ${portCount} ports; scan only networks you are allowed to scan`);
  const planned = plannedSettings(addresses * portCount <= SMALL_SCAN);
  const runs = new Map<string, RunRecord[]>(planned.map((p) => [p.label, []]));
  const settings = new Map<string, { workers: number; concurrency: number }>();
  for (let i = 0; i < o.runs; i++) {
    for (const p of planned) {
      const scan = await runScan([o.target, '-p', o.ports, '--states', 'all', '--seed', String(i + 1), ...p.flags], o.ctx);
      const s = scan.summary;
      settings.set(p.label, { workers: s.workers, concurrency: s.concurrency });
      const states = new Map(scan.records.map((r) => [`${r.host}:${r.port}`, r.state]));
      runs.get(p.label)!.push({ wallMs: round(scan.wallMs, 1), elapsedMs: s.elapsedMs, counts: s.counts, states });
      o.log(`  ${p.label} (${s.workers}w×${s.concurrency}) run ${i + 1}/${o.runs}: ${(scan.wallMs / 1000).toFixed(2)} s (scan ${(s.elapsedMs / 1000).toFixed(2)} s), open ${s.counts.open}, closed ${s.counts.closed}, filtered ${s.counts.filtered}, error ${s.counts.error}`);
    }
  }
  const judged = judge(planned, runs, settings);
  const defaults = judged.settings[0]!;
  // Ranked by scan time: the wall time adds Node's start-up, the same for every setting and noisier than the
  // differences between them (a target that took 6 ms picked a setting on 257-350 ms of start-up).
  const safe = judged.settings.filter((s) => s.safe).sort((a, b) => a.medianElapsedMs - b.medianElapsedMs);
  // No open or closed port in any run (a target that does not answer, or none this machine can reach): nothing to
  // tune against, and every setting looked "safe" (--save replaced a tuning with one picked on noise).
  const silent = [...runs.values()].every((rs) => rs.every((r) => r.counts.open + r.counts.closed === 0));
  let best = silent ? undefined : safe[0];
  if (best && defaults.safe && best.medianElapsedMs * NO_SLOWER >= defaults.medianElapsedMs) best = defaults;
  const errors = [...runs.values()].reduce((n, rs) => n + rs.reduce((m, r) => m + r.counts.error, 0), 0);
  const reason = silent
    ? `nothing answered: no port was open or closed in any run (${errors} errors); there is nothing to tune against: check the target, the ports and the route to them; nothing recommended`
    : !best
      ? 'every setting missed an answer (an open or closed port another run found) in some run: the network drops answers under any load we tried; nothing recommended'
      : best === defaults
        ? `the defaults are safe and no other setting was more than ${Math.round((NO_SLOWER - 1) * 100)} % faster`
        : `fastest setting that found every open and closed port in every run (scan ${(best.medianElapsedMs / 1000).toFixed(2)} s against the defaults' ${(defaults.medianElapsedMs / 1000).toFixed(2)} s${defaults.safe ? '' : `, which missed ${defaults.missingOpens} open and ${defaults.missingClosed} closed port(s)`})`;
  const { savedTo, removed, said } = o.save && best ? applySave(o.tuningFile ?? tuningPath(), o.target, loopback, best, defaults, o.measuredAt) : { savedTo: null, removed: null, said: null };
  return {
    section: { target: o.target, ports: o.ports, addresses, portCount, runs: o.runs, settings: judged.settings, opens: judged.opens, recommended: best?.label ?? 'none', reason },
    savedTo,
    removed,
    said,
  };
}

/**
 * What --save does with the setting picked (`best`; `defaults` when they won): stores it, or removes an older tuning
 * file when the defaults won, or neither, with why (loopbackRefusal). From loopback the defaults winning removes
 * nothing either: it says nothing of the network a tuning was measured on (an audit's loopback run, on a busy
 * machine, deleted a tuning.json measured elsewhere).
 */
export function applySave(file: string, target: string, loopback: boolean, best: TargetSetting, defaults: TargetSetting, measuredAt: string): { savedTo: string | null; removed: string | null; said: string | null } {
  const refused = loopbackRefusal(target, loopback, best, defaults);
  if (refused !== null) return { savedTo: null, removed: null, said: refused };
  if (best !== defaults) return { savedTo: saveTuning({ workers: best.workers, concurrency: best.concurrency, measuredAt }, file), removed: null, said: null };
  // Said (helper 17: --save printed nothing, and a user could not tell it from a save).
  if (!existsSync(file)) return { savedTo: null, removed: null, said: '--save: nothing stored: the defaults won, and they need no tuning file' };
  if (loopback) return { savedTo: null, removed: null, said: `--save: ${file} kept: the defaults won against ${target}, which is loopback or this machine's own address and says nothing of the network that tuning was measured on; tune against that network to replace it` };
  rmSync(file);
  return { savedTo: null, removed: file, said: null };
}

/**
 * Why a setting measured against `target` may not be stored, or null. Loopback rewards narrow windows that a
 * real network pays for (bench/README.md): from a loopback target (or this machine's own address), as from the
 * loopback matrix without the lab, no window narrower than the default is stored, nor another worker count
 * (one worker was stored from 127.0.0.1 -p-: nothing measured it on a network).
 */
export function loopbackRefusal(target: string, loopback: boolean, best: { workers: number; concurrency: number }, defaults: { workers: number; concurrency: number }): string | null {
  if (!loopback) return null;
  const where = `${target} is loopback or this machine's own address`;
  if (best.concurrency < defaults.concurrency) return `--save: nothing stored: ${where}, which favours a window narrower than the default (${best.concurrency} < ${defaults.concurrency}) that makes real networks slower; tune against the network you will scan`;
  if (best.workers !== defaults.workers) return `--save: nothing stored: ${where}, and a worker count other than the default (${best.workers}, not ${defaults.workers}) picked there was never measured on a network; tune against the network you will scan`;
  return null;
}
