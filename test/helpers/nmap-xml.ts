/**
 * nmap's own tools over an XML report: xmllint against nmap.dtd, xsltproc
 * with nmap.xsl, and python3-libnmap's parser. They come from Debian's
 * packages (nmap libxml2-utils xsltproc python3-libnmap, installed by .ci/run);
 * a missing one fails loudly rather than skipping.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const NMAP_DTD = '/usr/share/nmap/nmap.dtd';
export const NMAP_XSL = '/usr/share/nmap/nmap.xsl';
const PYTHON = '/usr/bin/python3';

/** Throws naming the package when a tool or file the XML tests need is absent. */
export function requireNmapTools(): void {
  for (const [path, pkg] of [[NMAP_DTD, 'nmap'], [NMAP_XSL, 'nmap'], ['/usr/bin/xmllint', 'libxml2-utils'], ['/usr/bin/xsltproc', 'xsltproc'], [PYTHON, 'python3']] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install -y ${pkg}`);
  }
  const r = spawnSync(PYTHON, ['-c', 'import libnmap.parser'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 cannot import libnmap: apt-get install -y python3-libnmap (${r.stderr.trim()})`);
}

/** xmllint --dtdvalid nmap.dtd: '' when valid, else xmllint's complaints. */
export function dtdProblems(path: string): string {
  const r = spawnSync('xmllint', ['--noout', '--dtdvalid', NMAP_DTD, path], { encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stderr}`.trim() || `xmllint exited ${r.status}`;
}

/** The HTML report nmap.xsl makes of it (throws if xsltproc fails). */
export function renderHtml(path: string): string {
  return execFileSync('xsltproc', [NMAP_XSL, path], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

export interface LibnmapService {
  port: number;
  state: string;
  reason: string;
  service: string;
  method: string | null;
  conf: string | null;
  product: string | null;
  version: string | null;
  extrainfo: string | null;
  tunnel: string;
  scripts: string[];
}

export interface LibnmapHost {
  address: string;
  status: string;
  services: LibnmapService[];
  extraports: { state: string; count: string } | null;
}

export interface LibnmapReport {
  scanType: string;
  numservices: number;
  hostsTotal: number;
  hostsUp: number;
  summary: string;
  elapsed: number;
  hosts: LibnmapHost[];
}

const PARSE = `
import json, sys
from libnmap.parser import NmapParser
r = NmapParser.parse_fromfile(sys.argv[1])
def svc(s):
    d = s.service_dict
    return {"port": s.port, "state": s.state, "reason": s.reason, "service": s.service, "method": d.get("method"), "conf": d.get("conf"),
            "product": d.get("product"), "version": d.get("version"), "extrainfo": d.get("extrainfo"), "tunnel": s.tunnel,
            "scripts": [x["id"] for x in s.scripts_results]}
def extra(h):
    e = h.extraports_state
    return {"state": e["state"]["state"], "count": e["state"]["count"]} if e and "state" in e else None
print(json.dumps({"scanType": r.scan_type, "numservices": r.numservices, "hostsTotal": r.hosts_total, "hostsUp": r.hosts_up,
    "summary": r.summary, "elapsed": r.elapsed,
    "hosts": [{"address": h.address, "status": h.status, "services": [svc(s) for s in h.services], "extraports": extra(h)} for h in r.hosts]}))
`;

/** The report as python3-libnmap's NmapParser reads it. */
export function parseWithLibnmap(path: string): LibnmapReport {
  return JSON.parse(execFileSync(PYTHON, ['-c', PARSE, path], { encoding: 'utf8', maxBuffer: 64 << 20 })) as LibnmapReport;
}
