/**
 * The machine a bench ran on, and whether something else was using it: a
 * busy CPU lowers every rate, and the reader of a result should know.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fdLimit } from '../src/config/limits.js';
import { round } from './stats.js';
import type { BenchDocument } from './types.js';

/** Busy above this share of all CPUs before the bench starts earns a note. */
const BUSY_NOTE = 0.2;

function cpuTimes(): { idle: number; total: number } | null {
  try {
    // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...", in ticks.
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3]! + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  } catch (err) {
    void err; // not Linux: no /proc/stat, so no measurement (reported as 0)
    return null;
  }
}

/** Share of all CPUs busy over `ms` right now (0 when it cannot be measured). */
export async function cpuBusy(ms = 500): Promise<number> {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return 0;
  return round(1 - (b.idle - a.idle) / (b.total - a.total), 3);
}

/** Platform, CPU, memory, descriptor limit, and how busy the machine is now. */
export async function describeMachine(): Promise<BenchDocument['machine']> {
  return {
    platform: platform(),
    release: release(),
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryMb: Math.round(totalmem() / 1e6),
    fdLimit: fdLimit(),
    loadAverage: loadavg().map((l) => round(l, 2)),
    cpuBusyAtStart: await cpuBusy(),
  };
}

/** A note when other processes were using the CPU as the bench started. */
export function busyNote(m: BenchDocument['machine']): string[] {
  if (m.cpuBusyAtStart < BUSY_NOTE) return [];
  return [`${Math.round(m.cpuBusyAtStart * 100)} % of the CPUs were busy with other work just before the bench started (load average ${m.loadAverage.join(', ')}): the rates measure what was left, not what this machine can do`];
}
