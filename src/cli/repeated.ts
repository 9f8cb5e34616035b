/**
 * A flag given more than once (--rate 1 --rate 2): the last value wins, as in
 * nmap (options.ts lastValueWins), and every value is checked, as nmap checks
 * each as it parses ("--max-rate -1 --max-rate 5" is fatal there). Unchecked,
 * `--rate=-1 --rate 5`, `-w 0 -w 1` and `-f nope -f csv` ran, so a script
 * whose argv puts its defaults before the user's own never learnt that a
 * default was broken (audit helper 30).
 */

/** Where lastValueWins leaves the values it dropped, on yargs' argv (not enumerable: nothing else reads it). */
const EARLIER = Symbol('earlier values');

type Flags = Record<string | symbol, unknown>;

/** Keep the values of `key` that the last one replaced. */
export function keepEarlier(argv: Flags, key: string, dropped: readonly unknown[]): void {
  if (!Object.hasOwn(argv, EARLIER)) Object.defineProperty(argv, EARLIER, { value: {}, enumerable: false });
  (argv[EARLIER] as Record<string, readonly unknown[]>)[key] = dropped;
}

/**
 * Check each dropped value with `check` (which throws the refusal the value
 * would get in place of the last); by camelCase name only (yargs keeps every
 * spelling: host-rate and hostRate, w and workers).
 */
export function checkEarlier(flags: object, check: (key: string, value: unknown) => void): void {
  const earlier = (flags as Flags)[EARLIER] as Record<string, readonly unknown[]> | undefined;
  if (earlier === undefined) return;
  for (const [key, values] of Object.entries(earlier)) {
    if (key.length === 1 || key.includes('-')) continue;
    for (const value of values) check(key, value);
  }
}
