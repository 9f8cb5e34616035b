/**
 * What a second Ctrl+C's exit at once leaves to do, said with it: the reports
 * may be cut (a sorted report is written whole at the end, where a second
 * Ctrl+C is most likely), and `merge DIR` refuses the directory, which never
 * finished (helper 24). Its own module: run.ts sets it, signals.ts says it,
 * and signals.ts is below run.ts.
 */
let note: string | null = null;

/** Set (or clear) what a quick exit says. */
export function sayOnQuickExit(text: string | null): void {
  note = text;
}

export function quickExitNote(): string | null {
  return note;
}
