/**
 * The --banners workload through the lab: 10,000 ports of one host at RTT
 * 20 ms, 50 of them services (half SSH-like greeters that speak first, half
 * HTTP servers that answer a GET with a Server header), the rest closed.
 * shardscan scans it at its defaults with and without --banners, interleaved;
 * every --banners run must detect every service by a probe answer, and the
 * goal is withMs ≤ 1.5 × (withoutMs + one banner timeout).
 *
 * The services are Node listeners in one child process inside the target
 * namespace; it exits when its stdin closes, so it never outlives the bench.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BASE_DEFAULTS } from '../src/config/index.js';
import { Lab } from '../lab/lab.js';
import { rng, sample, type Scenario, scenario as makeScenario } from '../lab/scenarios.js';
import { TOOLS, type Tool } from '../lab/tools.js';
import { GroundTruth } from '../lab/truth.js';
import { type Log, measureRun, medianOf, runLine } from './net-runs.js';
import type { NetPlan } from './net-plan.js';
import type { BannerRun, NetBannersResult } from './net-types.js';
import { round } from './stats.js';
import { scratchDir } from '../lab/scratch.js';

const SSH_GREETING = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3';
const HTTP_SERVER = 'nginx/1.22.1';

// Runs in the target namespace. argv[1]: {"host", "ssh": [ports], "web": [ports]}; prints "ready" once all listen.
const CHILD = `
const net = require('net'), http = require('http');
const { host, ssh, web } = JSON.parse(process.argv[1]);
let pending = ssh.length + web.length;
const fail = (err) => { process.stdout.write('error ' + err.message + '\\n'); process.exit(1); };
const ready = () => { if (--pending === 0) process.stdout.write('ready\\n'); };
for (const port of ssh) {
  const s = net.createServer((c) => { c.on('error', () => {}); c.setTimeout(10000, () => c.destroy()); c.write(${JSON.stringify(`${SSH_GREETING}\r\n`)}); });
  s.once('error', fail);
  s.listen({ host, port, backlog: 1024 }, ready);
}
for (const port of web) {
  const s = http.createServer((req, res) => { res.setHeader('Server', ${JSON.stringify(HTTP_SERVER)}); res.end('<html><body>bench</body></html>\\n'); });
  s.on('clientError', (err, sock) => sock.destroy());
  s.once('error', fail);
  s.listen({ host, port, backlog: 1024 }, ready);
}
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Start the services inside `ns`; resolves once every one listens. */
async function startServices(ns: string, host: string, ssh: number[], web: number[]): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', CHILD, JSON.stringify({ host, ssh, web })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const first = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('close', (code) => resolve(`error services exited with ${code}: ${stderr.trim()}`));
  });
  if (first !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`bench: banner services did not start: ${first}`);
  }
  return child;
}

function stopServices(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.stdin.end();
  const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
  return closed.finally(() => clearTimeout(killer));
}

/** shardscan at its defaults through the lab, with --banners or without. */
function shardscanTool(banners: boolean): Tool {
  const base = TOOLS.shardscan!;
  return { id: banners ? 'shardscan --banners' : 'shardscan', format: 'ndjson', argv: (s) => {
    const [cmd, args] = base.argv(s);
    return [cmd, banners ? [...args, '--banners'] : args];
  } };
}

/** How many service ports got a record with the right service, detected by a probe answer. */
export function detectedServices(stdout: string, expected: ReadonlyMap<number, string>): { detected: number; misdetected: string[] } {
  const seen = new Map<number, { state: string; service?: string; serviceSource?: string; product?: string }>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { port: number; state: string; service?: string; serviceSource?: string; product?: string };
    if (expected.has(r.port)) seen.set(r.port, r);
  }
  let detected = 0;
  const misdetected: string[] = [];
  for (const [port, want] of expected) {
    const r = seen.get(port);
    if (r && r.state === 'open' && r.serviceSource === 'probe' && r.service === want) detected++;
    else if (misdetected.length < 5) misdetected.push(`${port}: want ${want}, got ${r ? `${r.state} ${r.service ?? '-'} (${r.serviceSource ?? 'no detection'})` : 'no record'}`);
  }
  return { detected, misdetected };
}

/** Run the banner workload: plan.runs × (without, with), interleaved. */
export async function runBannerWorkload(plan: NetPlan, log: Log): Promise<NetBannersResult> {
  const base = makeScenario('rtt20', plan.seed);
  const host = base.hosts[0]!;
  const ports = Array.from({ length: plan.bannerPorts }, (_, i) => i + 1);
  const services = sample(ports, plan.bannerServices, rng(plan.seed + 7));
  // Alternate in port order, so both kinds spread over the range.
  const ssh = services.filter((_, i) => i % 2 === 0);
  const web = services.filter((_, i) => i % 2 === 1);
  const expected = new Map<number, string>([...ssh.map((p) => [p, 'ssh'] as const), ...web.map((p) => [p, 'http'] as const)]);
  const s: Scenario = { ...base, description: `${plan.bannerPorts.toLocaleString('en-US')} ports, ${services.length} banner services, RTT 20 ms`, listeners: [], portSpec: `1-${plan.bannerPorts}`, ports };
  const open = new Set(services);
  const truth = new GroundTruth(ports.map((p) => [host, p, open.has(p) ? 'open' : 'closed'] as [string, number, 'open' | 'closed']));
  const scratch = scratchDir('shardscan-bench-banners-');
  const lab = await Lab.create(s.lab);
  let child: ChildProcessWithoutNullStreams | null = null;
  const runs: BannerRun[] = [];
  try {
    child = await startServices(lab.tgtNs, host, ssh, web);
    log(`banners: ${s.description}; shardscan without and with --banners × ${plan.runs}`);
    for (let i = 0; i < plan.runs; i++) {
      for (const banners of [false, true]) {
        let stdout = '';
        const r = await measureRun(lab, s, truth, shardscanTool(banners), plan.capMs, scratch, (out) => (stdout = out));
        const d = banners ? detectedServices(stdout, expected) : { detected: 0, misdetected: [] };
        runs.push({ ...r, banners, ...d });
        log(`${runLine(`shardscan${banners ? ' --banners' : ''} run ${i + 1}/${plan.runs}`, r)}${banners ? `, services detected ${d.detected}/${expected.size}` : ''}`);
      }
    }
  } finally {
    if (child) await stopServices(child);
    await lab.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }
  const withoutMs = medianOf(runs.filter((r) => !r.banners))?.wallMs ?? null;
  const withMs = medianOf(runs.filter((r) => r.banners))?.wallMs ?? null;
  const bannerTimeoutMs = BASE_DEFAULTS.bannerTimeoutMs;
  return {
    description: s.description,
    host,
    ports: s.portSpec,
    services: { ssh: ssh.length, http: web.length },
    bannerTimeoutMs,
    runs,
    withoutMs,
    withMs,
    ratio: withoutMs !== null && withMs !== null ? round(withMs / (withoutMs + bannerTimeoutMs), 3) : null,
    allDetected: runs.filter((r) => r.banners).every((r) => r.detected === expected.size),
  };
}
