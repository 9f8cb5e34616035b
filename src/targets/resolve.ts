/**
 * Host names to addresses: the system's resolver (getaddrinfo), a count of
 * its lookups still running, and a resolver that gives up when a signal
 * aborts, so a hung lookup never holds a stopped command.
 */
import { onAbortOf } from '../abort.js';
import { ShardscanError, errnoCode, messageOf, quote } from '../errors.js';

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
  pendingLookups++;
  try {
    // Loaded on the first name: an address-only scan never resolves, and node:dns/promises cost ~1.2 ms of every start.
    const { lookup } = await import('node:dns/promises');
    answers = await lookup(name, family === undefined ? { all: true } : { all: true, family });
  } catch (err) {
    throw new UnresolvedName(
      name,
      `${family === undefined ? '' : ` to an IPv${family} address (-${family})`} (${errnoCode(err) ?? messageOf(err)}); give an address, or a name your resolver knows, e.g. ${name === 'localhost' ? (family === 6 ? '::1' : '127.0.0.1') : 'localhost'}`,
    );
  } finally {
    pendingLookups--;
  }
  const pick = answers.find((a) => a.family === 4) ?? answers[0];
  if (!pick) throw new ShardscanError('E_RESOLVE', `host name '${quote(name)}' has no ${family === undefined ? '' : `IPv${family} `}addresses`);
  return all === true ? answers.map((a) => a.address) : pick.address;
};

/**
 * A library caller's resolver: whatever it throws or rejects with comes back
 * as E_RESOLVE, naming the host and keeping the error as its cause (it came
 * back as the caller's own error, with no code, unlike the system resolver's).
 */
export function typedResolver(resolver: Resolver): Resolver {
  return (name, family, all) =>
    Promise.resolve()
      .then(() => resolver(name, family, all))
      .catch((err: unknown) => {
        throw err instanceof ShardscanError ? err : new UnresolvedName(name, ` (the resolver failed: ${messageOf(err)})`, { cause: err });
      });
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
