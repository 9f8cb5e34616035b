/**
 * Service detection bench: shardscan's banner grab against nmap -sV on the
 * same six services (sshd, nginx HTTP and HTTPS, redis-server, a silent
 * service, a flood), started in a network namespace made here, on ports that
 * are not their usual ones. Both scanners run inside the namespace and scan
 * only its loopback. Prints a side-by-side table and the times.
 *
 *   npm run bench:banners                 # grab 3×, nmap -sV once (it took ~10 min before)
 *   npm run bench:banners -- --no-nmap    # only ours
 *   npm run bench:banners -- --json FILE  # also write the figures as JSON
 *
 * Needs root, the daemons .ci/run installs, and nmap (apt-get install -y nmap).
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { makeDirs } from '../src/files.js';
import type { ServiceInfo } from '../src/banner/index.js';
import type { BannerGrabReport } from '../test/fixtures/banner-grab.js';
import { type DaemonName, PACKAGES, type Daemons, installedVersion, startDaemons, upstreamVersion } from '../test/fixtures/daemons.js';
import { runChild } from './child.js';
import { nmapVersion } from './nmap.js';
import { renderTable } from './text-table.js';

const FIXTURES: readonly DaemonName[] = ['ssh', 'http', 'https', 'redis', 'silent', 'flood'];
const GRABBER = resolve(import.meta.dirname, '../test/fixtures/banner-grab.js');
const RUNS = 3;
const NMAP_KILL_MS = 15 * 60_000;

/** One service as nmap -sV reported it (-oX). */
export interface NmapService {
  port: number;
  state: string;
  service?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  tunnel?: string;
}

/** Parse nmap's XML output: one entry per <port>. */
export function parseNmapXml(xml: string): NmapService[] {
  const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const attr = (tag: string, name: string): string | undefined => {
    const v = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    return v === undefined ? undefined : unescape(v);
  };
  const out: NmapService[] = [];
  for (const m of xml.matchAll(/<port protocol="tcp" portid="(\d+)">([\s\S]*?)<\/port>/g)) {
    const body = m[2]!;
    const state = /<state state="([^"]+)"/.exec(body)?.[1] ?? 'unknown';
    const svc = /<service [^>]*>/.exec(body)?.[0];
    const entry: NmapService = { port: Number(m[1]), state };
    if (svc) {
      for (const [key, name] of [['service', 'name'], ['product', 'product'], ['version', 'version'], ['extraInfo', 'extrainfo'], ['tunnel', 'tunnel']] as const) {
        const v = attr(svc, name);
        if (v !== undefined) entry[key] = v;
      }
    }
    out.push(entry);
  }
  return out;
}

interface GrabRun {
  mode: 'parallel' | 'serial';
  wallMs: number;
  maxRssKiB: number;
  perPort: Record<number, { ms: number; connections: number; info: ServiceInfo | null }>;
}

async function grab(d: Daemons, ports: number[], mode: GrabRun['mode']): Promise<GrabRun> {
  const args = ['netns', 'exec', d.ns, process.execPath, GRABBER, '127.0.0.1', ports.join(','), ...(mode === 'serial' ? ['--serial'] : [])];
  const r = await runChild('ip', args, process.env, 60_000);
  if (r.code !== 0) throw new Error(`banner grab (${mode}) exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
  const rep = JSON.parse(r.stdout) as BannerGrabReport;
  const perPort: GrabRun['perPort'] = {};
  for (const x of rep.results) perPort[x.port] = { ms: Math.round(x.ms), connections: x.connections, info: x.info };
  return { mode, wallMs: Math.round(rep.wallMs), maxRssKiB: rep.maxRssKiB, perPort };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function cell(service?: string, product?: string, version?: string): string {
  return [service ?? '-', product ?? '-', version ?? '-'].join(' | ');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const withNmap = !argv.includes('--no-nmap');
  const jsonAt = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
  const nmapVer = withNmap ? nmapVersion() : null;
  if (withNmap && !nmapVer) throw new Error('nmap is not installed (apt-get install -y nmap), or pass --no-nmap');

  const d = await startDaemons(FIXTURES);
  try {
    const ports = FIXTURES.map((f) => d.ports[f]);
    const runs: GrabRun[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await grab(d, ports, 'parallel'));
      runs.push(await grab(d, ports, 'serial'));
      process.stderr.write(`grab run ${i + 1}/${RUNS}: all at once ${runs.at(-2)!.wallMs} ms, one after another ${runs.at(-1)!.wallMs} ms\n`);
    }
    let nmap: { wallMs: number; services: NmapService[]; command: string } | null = null;
    if (withNmap) {
      const args = ['-sV', '-Pn', '-n', '-p', ports.join(','), '127.0.0.1', '-oX', '-'];
      process.stderr.write(`nmap ${args.join(' ')} (inside the namespace; capped at ${NMAP_KILL_MS / 60_000} min)...\n`);
      const r = await runChild('ip', ['netns', 'exec', d.ns, 'nmap', ...args], process.env, NMAP_KILL_MS);
      if (r.code !== 0) throw new Error(`nmap exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
      nmap = { wallMs: Math.round(r.wallMs), services: parseNmapXml(r.stdout), command: `nmap ${args.join(' ')}` };
    }

    const last = runs.filter((r) => r.mode === 'parallel').at(-1)!;
    const expected: Partial<Record<DaemonName, string>> = {
      ssh: `OpenSSH ${upstreamVersion(installedVersion(PACKAGES.ssh) ?? '?')}`,
      http: `nginx ${upstreamVersion(installedVersion(PACKAGES.http) ?? '?')}`,
      https: `nginx ${upstreamVersion(installedVersion(PACKAGES.http) ?? '?')}`,
      redis: `Redis ${upstreamVersion(installedVersion(PACKAGES.redis) ?? '?')}`,
    };
    const rows = FIXTURES.map((f) => {
      const port = d.ports[f];
      const ours = last.perPort[port]!;
      const oursMs = median(runs.filter((r) => r.mode === 'parallel').map((r) => r.perPort[port]!.ms));
      const n = nmap?.services.find((s) => s.port === port);
      const nService = n?.tunnel ? `${n.tunnel}/${n.service ?? '?'}` : n?.service;
      const row = [String(port), f, expected[f] ?? '-', cell(ours.info?.service, ours.info?.product, ours.info?.version), `${oursMs}`];
      if (nmap) row.push(cell(nService, n?.product, n?.version));
      return row;
    });
    const headers = ['port', 'fixture', 'installed', 'shardscan service | product | version', 'ms'];
    if (nmap) headers.push('nmap -sV service | product | version');
    const par = runs.filter((r) => r.mode === 'parallel').map((r) => r.wallMs);
    const ser = runs.filter((r) => r.mode === 'serial').map((r) => r.wallMs);
    const lines = [
      renderTable(headers, rows),
      '',
      `shardscan banner grab, six ports, ${RUNS} runs: all at once median ${median(par)} ms [${Math.min(...par)}–${Math.max(...par)}]; one after another median ${median(ser)} ms [${Math.min(...ser)}–${Math.max(...ser)}]; peak RSS ${Math.round(Math.max(...runs.map((r) => r.maxRssKiB)) / 1024)} MiB`,
      nmap ? `nmap ${nmapVer} -sV, same six ports: ${(nmap.wallMs / 1000).toFixed(1)} s (${nmap.command})` : 'nmap: not run (--no-nmap)',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (jsonAt) {
      makeDirs(dirname(resolve(jsonAt)));
      writeFileSync(jsonAt, `${JSON.stringify({ fixtures: FIXTURES, ports: d.ports, expected, runs, nmap, nmapVersion: nmapVer, node: process.version }, null, 2)}\n`);
    }
  } finally {
    d.stop();
  }
}

await main().catch((err: unknown) => {
  process.stderr.write(`bench:banners: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
