/** Small scan-wide vocabulary shared by the config, the pool and the workers. */

/** The probe implementation a worker uses (workers/backends/). */
export type ProbeEngine = 'handle' | 'socket';
export const PROBE_ENGINES: readonly ProbeEngine[] = Object.freeze(['handle', 'socket'] as const);

/** The walk's order: a seeded permutation, or hosts then ports in order. */
export type ScanOrder = 'random' | 'serial';

/**
 * Address → the name the user typed for it, from a scan's resolutions (name →
 * address, kept in the config and the manifest). The first name wins when
 * two name one address. A plain object, so it crosses to the workers too
 * (--banners sends the name as HTTP's Host and TLS's SNI).
 */
export function addressNames(resolved: Readonly<Record<string, string>>): Record<string, string> {
  const byAddress: Record<string, string> = Object.create(null);
  // Names only: "exclude:NAME" keys hold what --exclude left out (targets/parse.ts), never a host scanned.
  for (const [name, address] of Object.entries(resolved)) if (!name.includes(':') && !(address in byAddress)) byAddress[address] = name;
  return byAddress;
}

/** `addressNames` as a lookup: null for an address no name was typed for. */
export function namesOf(resolved: Readonly<Record<string, string>>): (host: string) => string | null {
  // A Map: a property lookup by a string just parsed from a record line looked it up in V8's string table first, for
  // every host of a sorted report (0.3 s of a /14's xml report), and a scan of addresses has no name at all.
  const byAddress = new Map(Object.entries(addressNames(resolved)));
  return byAddress.size === 0 ? () => null : (host) => byAddress.get(host) ?? null;
}

/**
 * How long a first try to a host not heard from listens for an answer, its
 * timeout `timeoutMs` given: past its timeout, up to twice it, within the
 * timeout ceiling `maxMs` (workers/late.ts says why). The longest a probe to
 * a silent host waits, so what the nothing-answered note names (cli/run.ts).
 */
export function firstTryListenMs(timeoutMs: number, maxMs: number): number {
  return Math.min(2 * timeoutMs, maxMs);
}
