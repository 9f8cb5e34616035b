/**
 * Text gathered as bytes in one block outside the JS heap, for writes of
 * about a block: gathered as strings (one growing string, or an array of
 * lines), every piece outlived the CLI's 1 MB young generation and was
 * promoted, garbage only a full GC took back (a report's end, a resume's
 * rewrite of its records). Pieces die young instead.
 */
export class ByteBlock {
  private block: Buffer;
  private filled = 0;

  /** `fresh`: take() hands the block over and starts a new one (a stream may keep what it was given); else it is reused (a synchronous write). */
  constructor(
    private readonly size = 1 << 16,
    private readonly fresh = false,
  ) {
    this.block = Buffer.allocUnsafe(size);
  }

  /** Whether `piece` can be added now (a UTF-16 unit takes at most 3 bytes of UTF-8). False for one larger than a block even when empty: write it as it is. */
  fits(piece: string | Buffer): boolean {
    return this.filled + (typeof piece === 'string' ? piece.length * 3 : piece.length) <= this.size;
  }

  /** Add a piece that fits. */
  add(piece: string | Buffer): void {
    this.filled += typeof piece === 'string' ? this.block.write(piece, this.filled) : piece.copy(this.block, this.filled);
  }

  /** The bytes gathered so far; the block is empty again. */
  take(): Buffer {
    const full = this.block.subarray(0, this.filled);
    if (this.fresh) this.block = Buffer.allocUnsafe(this.size);
    this.filled = 0;
    return full;
  }
}
