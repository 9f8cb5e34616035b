/**
 * Host names to addresses: the system's resolver (getaddrinfo), a count of
 * its lookups still running, and a resolver that gives up when a signal
 * aborts, so a hung lookup never holds a stopped command.
 */
import { onAbortOf } from '../abort.js';
import { ShardscanError, errnoCode, messageOf, quote } from '../errors.js';
import { parseIPv4, parseIPv6 } from './ip.js';

/**
 * Resolves a host name to one address (the first IPv4 one if any, as nmap
 * does; of `family` only, with -4 or -6), or with `all` to every address it
 * has, of either family (what --exclude NAME leaves out, as nmap does). A
 * resolver that returns one address for `all` excludes that one only.
 */
export type Resolver = (name: string, family?: 4 | 6, all?: boolean) => Promise<string | readonly string[]>;

/** getaddrinfo calls not returned yet (see lookupsPending). */
let pendingLookups = 0;

/**
 * Host-name lookups of systemResolver still running. Each runs on a thread of
 * libuv's pool, which Node joins when the process exits: a resolver that
 * never answers held an interrupted command for its whole timeout (88 s with
 * `options timeout:30 attempts:3`), Ctrl+C or not.
 */
export const lookupsPending = (): number => pendingLookups;

/**
 * A host name that did not resolve (E_RESOLVE). `detail` follows the name in
 * the message; an exclusion's lookup rewords it from these fields (parse.ts).
 */
export class UnresolvedName extends ShardscanError {
  constructor(
    readonly host: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super('E_RESOLVE', `cannot resolve host name '${quote(host)}'${detail}`, options);
  }
}

export const systemResolver: Resolver = async (name, family, all) => {
  let answers: { address: string; family: number }[];
  // Loaded on the first name: an address-only scan never resolves, and node:dns/promises cost ~1.2 ms of every start.
  const { lookup } = await import('node:dns/promises');
  pendingLookups++;
  try {
    answers = await lookup(name, family === undefined ? { all: true } : { all: true, family });
  } catch (err) {
    // Under -4/-6, a name of the other family only is said so, as nmap says it ("resolves, but not to any IPv6
    // address"): the advice was "e.g. localhost", which -6 could not use either where localhost is 127.0.0.1 alone.
    const other = family === undefined ? null : ((await lookup(name, { all: true }).catch(() => null)) ?? []).find((a) => a.family !== family);
    if (other) throw new UnresolvedName(name, ` to an IPv${family} address (-${family}): it resolves only to IPv${other.family} (${other.address}); drop -${family} to scan it`, { cause: err });
    const example = family === 6 ? '::1' : family === 4 || name === 'localhost' ? '127.0.0.1' : 'localhost';
    throw new UnresolvedName(name, `${family === undefined ? '' : ` to an IPv${family} address (-${family})`} (${errnoCode(err) ?? messageOf(err)}); give an address, or a name your resolver knows, e.g. ${example}`);
  } finally {
    pendingLookups--;
  }
  const pick = answers.find((a) => a.family === 4) ?? answers[0];
  if (!pick) throw new ShardscanError('E_RESOLVE', `host name '${quote(name)}' has no ${family === undefined ? '' : `IPv${family} `}addresses`);
  return all === true ? answers.map((a) => a.address) : pick.address;
};

/**
 * A resolver as buildTargets asks it (a library caller's may be anything):
 * whatever it throws or rejects with comes back as E_RESOLVE, naming the host
 * and keeping the error as its cause (it came back as the caller's own error,
 * with no code, unlike the system resolver's), and so does an answer that is
 * not an address or a list of them. `async () => 42` crashed the scan with
 * "text.includes is not a function", and '' or a CIDR was E_CONFIG about a
 * "resolved" option the caller never gave.
 */
export function typedResolver(resolver: Resolver): Resolver {
  return (name, family, all) =>
    Promise.resolve()
      .then(() => resolver(name, family, all))
      .then(
        (answer: unknown) => {
          const wrong = wrongAnswer(answer);
          if (wrong !== null) throw new UnresolvedName(name, ` (the resolver returned ${wrong}, not an IP address: return one, e.g. '127.0.0.1', or an array of them)`);
          return answer as string | readonly string[];
        },
        (err: unknown) => {
          throw err instanceof ShardscanError ? err : new UnresolvedName(name, ` (the resolver failed: ${messageOf(err)})`, { cause: err });
        },
      );
}

/** What is wrong with a resolver's answer, quoted for a message, or null when it is an address or a non-empty array of them. */
function wrongAnswer(answer: unknown): string | null {
  const list: unknown[] = Array.isArray(answer) ? answer : [answer];
  if (list.length === 0) return 'an empty array';
  // An index, not the item: an answer of undefined is itself what is wrong.
  const at = list.findIndex((a) => typeof a !== 'string' || (parseIPv4(a) === null && parseIPv6(a) === null));
  if (at < 0) return null;
  const bad = list[at];
  const shown = typeof bad === 'string' ? `'${quote(bad)}'` : ['number', 'boolean', 'bigint'].includes(typeof bad) ? `${typeof bad} ${String(bad)}` : bad === null ? 'null' : typeof bad;
  return Array.isArray(answer) ? `${shown} in its array` : shown;
}

/**
 * `resolver`, given up on as soon as `signal` aborts (E_INTERRUPTED): a stop
 * while names still resolve ends the command then, where a resolver that
 * never answers held it, aborted or not.
 */
export function stoppable(resolver: Resolver, signal: AbortSignal): Resolver {
  const stopped = (): ShardscanError => new ShardscanError('E_INTERRUPTED', 'stopped before the first probe, while host names were being resolved: nothing was scanned');
  return (name, family, all) => {
    if (signal.aborted) return Promise.reject(stopped());
    return new Promise<string | readonly string[]>((resolve, reject) => {
      const undo = onAbortOf(signal, () => reject(stopped()));
      resolver(name, family, all).then(resolve, reject).finally(undo);
    });
  };
}
