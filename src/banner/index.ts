/**
 * Service detection, the pure half: the pattern table, the matcher, banner
 * escaping and certificate summaries. No sockets here; workers/banner/ talks
 * to the network and uses these.
 */
export type { BannerTableSpec, MatchResult, ProbeSpec, RuleSpec, RuleTest, ServiceInfo, TlsSummary } from './types.js';
export { BANNER_CAP, FIELD_CAP, cleanField, escapeBanner } from './escape.js';
export { BannerTable, compileTable, expandTemplate, loadBannerTable } from './table.js';
export { type CertificateLike, isoTime, parseAltNames, summarizeCertificate } from './tls.js';
