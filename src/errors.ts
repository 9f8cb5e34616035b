/**
 * One error class for every failure shardscan reports on purpose.
 *
 * `code` is stable (tests and the CLI match on it, never on prose); the message
 * is one line that quotes the bad token and, where it helps, shows the right form.
 */

/** Every failure kind, and whether it is the user's input (exit 2) or the run (exit 1). */
export const ERROR_KINDS = {
  E_TARGET: 'usage',
  E_PORT: 'usage',
  E_OPTION: 'usage',
  E_CONFIG: 'usage',
  E_RESOLVE: 'usage',
  E_INPUT_FILE: 'usage',
  E_OUTPUT: 'usage',
  E_TOO_LARGE: 'usage',
  E_MERGE: 'usage',
  E_RESUME: 'usage',
  E_SCHEMA: 'runtime',
  E_IO: 'runtime',
  E_WORKER: 'runtime',
  E_INTERNAL: 'runtime',
} as const;

export type ErrorCode = keyof typeof ERROR_KINDS;

/** A failure with a stable `code`; `message` is a single line meant for the user. */
export class ShardscanError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShardscanError';
    this.code = code;
  }

  /** True when the user's input or options are at fault (CLI exit status 2). */
  get isUsage(): boolean {
    return ERROR_KINDS[this.code] === 'usage';
  }
}

/** Narrow an unknown thrown value to a Node system error with an errno `code`. */
export function errnoCode(err: unknown): string | undefined {
  if (err instanceof ShardscanError) return undefined; // its code is ours, not an errno
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The message of anything thrown, on one line. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ');
}
