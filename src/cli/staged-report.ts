/**
 * A report written whole or not at all (merge -o FILE): the text goes to a
 * temporary file beside FILE, renamed over it only when everything was
 * written. A refused or failed merge then leaves an existing FILE as it was,
 * where opening FILE at once emptied it before the shards were even checked.
 * Stdout and devices (/dev/null) are written directly. Write failures (a full
 * disk, a reader that went away) are kept for the caller to report.
 */
import { renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { ShardscanError, errnoCode, messageOf, quote } from '../errors.js';
import { checkOutputName, endStream, openReport, whereTo } from './report-files.js';

/**
 * Staged files not yet put in place or dropped. A second Ctrl+C ends the
 * process at once (process.exit), and left them behind; 'exit' removes them.
 * (This module is loaded only by the commands that stage reports.)
 */
const pending = new Set<string>();
process.on('exit', () => {
  for (const path of pending) {
    try {
      unlinkSync(path);
    } catch {
      // never created, or already gone
    }
  }
});

export class StagedReport {
  private stream: Writable | null = null;
  /** Where the staged file is renamed to: the -o file, or the file a symlink given as -o points to (the link stays). */
  private readonly final: string | null;
  private readonly staged: string | null;
  /** The first write error of the stream, if any. */
  failure: unknown = null;

  /** `target`: the -o file, or null for stdout. */
  constructor(private readonly target: string | null) {
    if (target !== null) checkOutputName(target);
    const st = target === null ? undefined : statSync(target, { throwIfNoEntry: false });
    const regular = target !== null && (st === undefined || st.isFile());
    // Through symlinks, also one whose file is not made yet: renamed onto the link itself, the report replaced the link with a file.
    this.final = regular ? whereTo(target) : null;
    this.staged = this.final === null ? null : join(dirname(this.final), `.${basename(this.final)}.shardscan-${process.pid}.tmp`);
    if (this.staged !== null) pending.add(this.staged);
  }

  /** The stream to write to (opened on the first call). */
  open(): Writable {
    if (this.stream) return this.stream;
    // Named as the user gave it: the staged file sits in the same directory and fails the same way.
    this.stream = openReport(this.staged ?? this.target, this.target);
    this.stream.on('error', (e) => {
      this.failure ??= e;
    });
    return this.stream;
  }

  /** True when the reader of stdout went away (| head): what was wanted was written. */
  get readerGone(): boolean {
    return this.target === null && errnoCode(this.failure) === 'EPIPE';
  }

  /** Flush and close; then, when all was written, put the staged file in place. Throws E_IO on a write failure. */
  async commit(): Promise<void> {
    await this.finish();
    this.place();
  }

  /** Flush and close, without putting the staged file in place yet. Throws E_IO (and drops the staged file) on a write failure. */
  async finish(): Promise<void> {
    const out = this.stream;
    if (out && this.failure === null) {
      try {
        await endStream(out);
      } catch (err) {
        this.failure ??= err;
      }
    }
    if (this.failure !== null) {
      this.abandon();
      if (this.readerGone) return;
      throw new ShardscanError('E_IO', `cannot write the report ${this.target === null ? 'to standard output' : `to ${quote(this.target)}`}: ${errnoCode(this.failure) ?? messageOf(this.failure)}`);
    }
  }

  /** Put the staged file in place (after finish). */
  place(): void {
    const out = this.stream;
    if (this.staged !== null && out) {
      try {
        renameSync(this.staged, this.final!);
        pending.delete(this.staged);
      } catch (err) {
        this.abandon();
        throw new ShardscanError('E_IO', `cannot write the report to ${quote(this.target!)}: ${errnoCode(err) ?? messageOf(err)}`);
      }
    }
  }

  /** Drop the staged file (after a failure); the target is untouched. */
  abandon(): void {
    if (this.stream && this.stream !== process.stdout && !this.stream.destroyed) this.stream.destroy();
    if (this.staged === null) return;
    pending.delete(this.staged);
    try {
      unlinkSync(this.staged);
    } catch {
      // never created, or already gone
    }
  }
}
