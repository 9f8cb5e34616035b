/**
 * Summary of a peer certificate as node:tls reports it (getPeerCertificate()).
 * Pure: it takes the plain object, so tests feed it hand-written certificates.
 */
import type { TlsSummary } from './types.js';
import { cleanField } from './escape.js';
import { formatIPv6, parseIPv6 } from '../targets/ip.js';

/** The fields of tls.PeerCertificate this summary reads (all optional: a failed handshake gives {}). */
export interface CertificateLike {
  subject?: Record<string, string | string[] | undefined>;
  issuer?: Record<string, string | string[] | undefined>;
  subjectaltname?: string;
  valid_to?: string;
}

/** Names in a certificate are few; a certificate listing thousands is cut here, and says how many it left out (moreNames). */
export const MAX_NAMES = 32;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The CN, or the O where there is none (then `org`): the XML's ssl-cert called an organisation commonName. */
function nameOf(dn: CertificateLike['subject']): { name: string | null; org: boolean } {
  const cn = first(dn?.CN);
  const v = cn ?? first(dn?.O);
  return v === undefined || v === '' ? { name: null, org: false } : { name: cleanField(v, 200, true), org: cn === undefined };
}

/**
 * DNS names and IP addresses from node's subjectaltname string, e.g.
 * `DNS:a.test, DNS:"b, c.test", IP Address:127.0.0.1`. Node quotes a value
 * holding a comma or quote as a JSON string, so split on those rules. The
 * first MAX_NAMES; `more` counts the ones left out, so that a cut list says it was cut.
 */
export function altNames(text: string | undefined): { names: string[]; more: number } {
  const names: string[] = [];
  let more = 0;
  if (!text) return { names, more };
  const re = /(?:^|, )(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (names.length === MAX_NAMES) {
      more++;
      continue;
    }
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch (err) {
        void err; // malformed quoting from a hostile certificate: keep the raw text
      }
    }
    // Node spells an IPv6 address in full (0:0:0:0:0:0:0:1); show it as everywhere else (::1).
    const v6 = m[1] === 'IP Address' && value.includes(':') ? parseIPv6(value) : null;
    names.push(v6 === null ? cleanField(value, 200, true) : formatIPv6(v6));
  }
  return { names, more };
}

/** The first MAX_NAMES alternative names (see altNames). */
export function parseAltNames(text: string | undefined): string[] {
  return altNames(text).names;
}

/** `valid_to` ("Mar  1 12:00:00 2027 GMT") as ISO 8601, or null when absent or unparsable. */
export function isoTime(text: string | undefined): string | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** The record's `tls` field for a peer certificate. */
export function summarizeCertificate(cert: CertificateLike): TlsSummary {
  const { names, more } = altNames(cert.subjectaltname);
  const subject = nameOf(cert.subject);
  const issuer = nameOf(cert.issuer);
  const out: TlsSummary = { subject: subject.name, names, issuer: issuer.name, notAfter: isoTime(cert.valid_to) };
  if (subject.org) out.subjectField = 'organizationName';
  if (issuer.org) out.issuerField = 'organizationName';
  // Only on a cut list: a record without it has every name.
  if (more > 0) out.moreNames = more;
  return out;
}
