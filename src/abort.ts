/**
 * Following an AbortSignal from many places with one listener on it: a
 * signal that stops a scan also stops each of its host-name lookups, and a
 * listener each (thousands of names in an -iL file) printed
 * MaxListenersExceededWarning.
 */

/** What each signal's one 'abort' listener calls (see onAbortOf). */
const followers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Call `f` when `signal` aborts; returns the undo. A signal gets one listener
 * however many scans follow it: twelve scans under one AbortController
 * printed MaxListenersExceededWarning, one listener each.
 */
export function onAbortOf(signal: AbortSignal, f: () => void): () => void {
  let set = followers.get(signal);
  if (set === undefined) {
    const all = new Set<() => void>();
    signal.addEventListener('abort', () => {
      for (const g of [...all]) g();
      all.clear();
    }, { once: true });
    followers.set(signal, all);
    set = all;
  }
  const mine = set;
  mine.add(f);
  return () => void mine.delete(f);
}
