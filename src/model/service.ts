/**
 * What service detection (--banners) learns about an open port: part of the
 * record. Plain data: it crosses threads and goes into every output.
 */

/** The certificate a TLS service presented, summarised (verification is off: this is what it claims). */
export interface TlsSummary {
  /** Subject common name (or organisation when there is no CN: subjectField says so). */
  subject: string | null;
  /** 'organizationName' when `subject` is the organisation (no CN); absent for a common name (nmap ssl-cert's keys). */
  subjectField?: 'organizationName';
  /** Subject alternative names: DNS names and IP addresses, in certificate order (the first 32). */
  names: string[];
  /** How many names the certificate has past those 32, left out (absent when none were). */
  moreNames?: number;
  /** Issuer common name (or organisation: issuerField says so). */
  issuer: string | null;
  /** 'organizationName' when `issuer` is the organisation (no CN); absent for a common name. */
  issuerField?: 'organizationName';
  /** Certificate expiry as ISO 8601 UTC. */
  notAfter: string | null;
}

/**
 * What the banner grab found. `service` is the detected service when a probe
 * answer matched the table (`serviceSource: 'probe'`), otherwise the port
 * table's guess (`serviceSource: 'port'`).
 */
export interface ServiceInfo {
  service: string;
  serviceSource: 'probe' | 'port';
  product?: string;
  version?: string;
  extraInfo?: string;
  /** The answer that identified the service (or the first answer), printable and escaped, capped. */
  banner?: string;
  tls?: TlsSummary;
}

/**
 * nmap's name for a service that completed the handshake and then closed or
 * reset the connection before saying or being sent anything (a TCP wrapper,
 * or a firewall that lets the handshake through): the answer is the behaviour.
 */
export const TCPWRAPPED: Readonly<ServiceInfo> = Object.freeze({ service: 'tcpwrapped', serviceSource: 'probe' });

/** The fields a record gains from service detection (all absent without --banners). */
export type ServiceFields = Partial<Omit<ServiceInfo, 'service'>>;

/** nmap's version text: "OpenSSH 9.2p1 (protocol 2.0)"; '' when nothing was detected. */
export function versionText(s: ServiceFields): string {
  const main = [s.product, s.version].filter((x) => x !== undefined && x !== '').join(' ');
  return s.extraInfo ? (main ? `${main} (${s.extraInfo})` : `(${s.extraInfo})`) : main;
}

/** The mark a cut name list ends with, "(+270 more)", as cleanField marks a cut value; '' for a whole list. */
export function moreNamesText(t: TlsSummary): string {
  return t.moreNames === undefined ? '' : `(+${t.moreNames} more)`;
}

/** The certificate on one line: "subject api.example.test; names a, b; issuer Test CA; not after 2027-01-01T00:00:00.000Z". */
export function tlsText(t: TlsSummary): string {
  const parts = [`subject ${t.subject ?? '-'}`];
  if (t.names.length > 0) parts.push(`names ${[t.names.join(', '), moreNamesText(t)].filter((x) => x !== '').join(' ')}`);
  parts.push(`issuer ${t.issuer ?? '-'}`);
  if (t.notAfter) parts.push(`not after ${t.notAfter}`);
  return parts.join('; ');
}

/**
 * The detection fields as JSON members, each with a leading comma, in schema
 * order, for the hand-written record line ('' when there are none).
 */
export function serviceJson(s: ServiceFields): string {
  let out = '';
  if (s.serviceSource !== undefined) out += `,"serviceSource":"${s.serviceSource}"`;
  if (s.product !== undefined) out += `,"product":${JSON.stringify(s.product)}`;
  if (s.version !== undefined) out += `,"version":${JSON.stringify(s.version)}`;
  if (s.extraInfo !== undefined) out += `,"extraInfo":${JSON.stringify(s.extraInfo)}`;
  if (s.banner !== undefined) out += `,"banner":${JSON.stringify(s.banner)}`;
  if (s.tls !== undefined) {
    const t = s.tls;
    const more = t.moreNames === undefined ? {} : { moreNames: t.moreNames };
    const subjectField = t.subjectField === undefined ? {} : { subjectField: t.subjectField };
    const issuerField = t.issuerField === undefined ? {} : { issuerField: t.issuerField };
    out += `,"tls":${JSON.stringify({ subject: t.subject, ...subjectField, names: t.names, ...more, issuer: t.issuer, ...issuerField, notAfter: t.notAfter })}`;
  }
  return out;
}
