/**
 * Service detection vocabulary: what a banner grab learns about one open port,
 * and the shape of the pattern table (data/banners.json). Everything here is
 * plain data so it survives structured clone between threads and JSON records.
 */

export type { ServiceInfo, TlsSummary } from '../model/service.js';

/** One probe as written in the table. */
export type ProbeSpec =
  /** Send nothing; listen for a service that speaks first. */
  | { name: string; kind: 'listen'; until?: string }
  /** Send `payload` (latin1; `{host}` and `{port}` are substituted), then read. */
  | { name: string; kind: 'send'; payload: string; until?: string }
  /** TLS handshake, read the certificate, then run probe `inner` over TLS. */
  | { name: string; kind: 'tls'; inner: string };

/** A sample answer and what a rule must make of it (the table tests itself). */
export interface RuleTest {
  /** The probe the answer came from; the rule's first probe when absent. */
  probe?: string;
  response: string;
  product?: string;
  version?: string;
  info?: string;
}

/** One match rule as written in the table. */
export interface RuleSpec {
  id: string;
  /** Probes whose answers this rule applies to. */
  probes: string[];
  /** JavaScript regular expression over the answer decoded as latin1. */
  pattern: string;
  flags?: string;
  service: string;
  /** Templates: `$1`..`$9` are capture groups; a field whose group did not match is left out. */
  product?: string;
  version?: string;
  /** Parts of the extra info, joined with "; "; a part whose group did not match is left out. */
  info?: string[];
  /** A soft match names the service but keeps probing (only with probes that can say more about it). */
  soft?: boolean;
  tests: RuleTest[];
}

/** The whole table file (schemas/banners.schema.json). */
export interface BannerTableSpec {
  version: 1;
  probes: ProbeSpec[];
  /** Service name when found over TLS (http → https); others become `tls/<name>`. */
  tlsNames: Record<string, string>;
  rules: RuleSpec[];
}

/** What a matching rule produced. */
export interface MatchResult {
  rule: string;
  service: string;
  soft: boolean;
  product?: string;
  version?: string;
  extraInfo?: string;
}
