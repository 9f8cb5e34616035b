/**
 * What a scan's reports need to know beyond its records (header, per-host
 * "Not shown" lines, every host scanned, hosts given up, names typed), for
 * the CLI's reports and for a library caller's createWriter(). Built once
 * here: reports written from scan()'s records had none of it, so grep said
 * "4 hosts up" over one listed host and xml's <hosts up="4"> held one <host>.
 */
import type { PreparedScan } from '../prepare.js';
import { type ReportContext, everyHostOf, scannedHostsOf } from '../output/formats.js';
import { namesOf } from '../model/scan.js';
import { packageVersion } from '../paths.js';
import type { ScanRun } from './start.js';

/** Per-host counts taken from elsewhere than the scan's coordinator (a resume's, from every record its report writes). */
export type HostTally = Pick<ReportContext, 'hostCounts' | 'hostReasons'>;

export function reportContextOf(prep: PreparedScan, run: ScanRun, o: { command: string; startedAt: string; note?: (text: string) => void; tally?: HostTally }): ReportContext {
  const { config } = prep;
  const tally = o.tally;
  let ended: string | undefined;
  return {
    version: packageVersion(),
    command: o.command,
    startedAt: o.startedAt,
    seed: config.seed,
    order: config.order,
    hosts: prep.targets.count,
    ports: prep.ports.count,
    portSpec: prep.ports.toString(),
    states: config.states,
    banners: config.banners,
    summary: () => run.summary(),
    // One end time for every report of a run, as nmap's -oA writes one: taken when the first report ends (each read its
    // own clock, and -oA's xml and grep ended 0.9 s apart; helper 24).
    get endedAt() {
      return (ended ??= new Date().toISOString());
    },
    hostCounts: tally ? (host) => tally.hostCounts(host) : (host) => run.hostCounts(host),
    hostReasons: tally ? (host) => tally.hostReasons?.(host) ?? null : (host) => run.hostReasons(host),
    hostGivenUp: (host) => run.hostGivenUp(host),
    hostName: namesOf(config.resolved),
    ...(o.note === undefined ? {} : { note: o.note }),
    // --open (nmap's): only hosts with a shown port are listed. A resumed scan has no per-host counts,
    // but once it is whole and complete it probed every host.
    scannedHosts: () => {
      if (config.openHostsOnly) return null;
      const whole = run.summary().status === 'complete' && config.shard.total === 1;
      return scannedHostsOf(prep.targets, tally ? tally.hostCounts : (host) => run.hostCounts(host)) ?? (whole ? everyHostOf(prep.targets) : null);
    },
  };
}
