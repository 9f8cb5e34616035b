/**
 * A Writable over a file descriptor that writes synchronously and takes
 * strings as they are. fs.WriteStream (and Node's stdout on a file) turn every
 * string into a Buffer first, whose memory lives outside V8's heap until a
 * full GC: at 130k records/s that kept ~10 MB of dead Buffers around. Here a
 * string goes to writeSync, which copies it through a temporary buffer freed
 * at once. Files are written synchronously anyway (Node does so for stdout and
 * for our shard files), so nothing is lost in concurrency.
 */
import { closeSync, fstatSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { ShardscanError, errnoCode } from '../errors.js';
import { sleepSync } from '../files.js';

export class FdWritable extends Writable {
  constructor(
    private readonly fd: number,
    /** Close the descriptor when the stream ends (not for stdout). */
    private readonly own: boolean,
  ) {
    super({ decodeStrings: false, highWaterMark: 64 * 1024 });
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      writeAll(this.fd, chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    try {
      if (!this.own) return done();
      const removed = unlinked(this.fd);
      closeSync(this.fd);
      done(removed ? new ShardscanError('E_IO', 'it was deleted while it was written (or its directory was): what it held is gone') : null);
    } catch (err) {
      done(err as Error);
    }
  }
}

/**
 * A file no directory names any more: deleted (or its directory removed)
 * while it was open. Every write to it succeeded, into a file no one can
 * read: the report was lost without a word, exit 0.
 */
function unlinked(fd: number): boolean {
  const st = fstatSync(fd);
  return st.isFile() && st.nlink === 0;
}

/** Write all of `chunk`; a descriptor in non-blocking mode that is full (EAGAIN) is waited for briefly. */
function writeAll(fd: number, chunk: string | Buffer): void {
  let buf: Buffer | null = typeof chunk === 'string' ? null : chunk;
  let off = 0;
  for (;;) {
    try {
      if (buf === null) {
        const n = writeSync(fd, chunk as string);
        if (n >= (chunk as string).length && n === Buffer.byteLength(chunk as string)) return;
        buf = Buffer.from(chunk as string);
        off = n;
      } else {
        if (off >= buf.length) return;
        off += writeSync(fd, buf, off, buf.length - off);
      }
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') throw err;
      sleepSync(1);
    }
  }
}
