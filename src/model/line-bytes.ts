/**
 * The record's JSON line (record.ts formatLine) written straight into bytes,
 * for the hot path: a batch of 512 packed records becomes one Buffer with no
 * string per field or per line. At 100k records/s the string form made the
 * main thread's young generation grow to 32 MB and RSS pass 120 MB; this form
 * keeps it flat. test/model-line-bytes.test.ts checks both forms agree.
 */
import type { PortState } from './states.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Strings up to this long are copied by ascii()'s loop, longer ones by Buffer#write. */
const SHORT = 64;

/** True when JSON.stringify(s) is just s in quotes: printable ASCII without " or \. */
function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

/** Appends JSON lines to one growing buffer. */
export class LineBytes {
  private buf: Buffer;
  private pos = 0;
  /** Strings already known to need no escaping (hosts, reasons, services repeat). */
  private readonly plain = new Map<string, boolean>();

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** One record's line, exactly as formatLine writes it; `host` may be an IPv4 address as a number. */
  line(host: string | number, port: number, state: PortState, reason: string, rttMs: number, service: string, ts: string, extra = ''): void {
    this.ensure(96 + 6 * ((typeof host === 'number' ? 15 : host.length) + reason.length + service.length) + ts.length + 3 * extra.length);
    this.ascii('{"host":');
    if (typeof host === 'number') this.ipv4(host);
    else this.jsonString(host);
    this.ascii(',"port":');
    this.uint(port);
    this.ascii(',"state":"');
    this.ascii(state);
    this.ascii('","reason":');
    this.jsonString(reason);
    this.ascii(',"rttMs":');
    this.rtt(rttMs);
    this.ascii(',"service":');
    this.jsonString(service);
    this.ascii(',"ts":"');
    this.ascii(ts);
    this.buf[this.pos++] = QUOTE;
    if (extra.length > 0) this.pos += this.buf.write(extra, this.pos, 'utf8');
    this.ascii('}\n');
  }

  /**
   * The lines so far, as one string; the writer starts empty again. A string,
   * not a Buffer: a string lives in V8's young generation and dies in the next
   * scavenge, where a Buffer's memory is outside the heap and waits for a full
   * GC (measured: +16 MB of malloc heap at 130k records/s).
   */
  take(): string {
    const out = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * `s` as latin1 bytes. Short strings (every field name, state and timestamp)
   * byte by byte in JavaScript: Buffer#write crosses into C++ per call, ~10
   * times a line, which cost more than the copy.
   */
  private ascii(s: string): void {
    const n = s.length;
    if (n > SHORT) {
      this.pos += this.buf.write(s, this.pos, 'latin1');
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i) & 0xff;
    this.pos = pos;
  }

  private jsonString(s: string): void {
    let plain = this.plain.get(s);
    if (plain === undefined) {
      plain = plainAscii(s);
      if (this.plain.size < 4096) this.plain.set(s, plain);
    }
    if (plain) {
      this.buf[this.pos++] = QUOTE;
      this.ascii(s);
      this.buf[this.pos++] = QUOTE;
      return;
    }
    const text = JSON.stringify(s);
    this.ensure(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  /** "a.b.c.d", quoted. */
  private ipv4(v: number): void {
    this.buf[this.pos++] = QUOTE;
    this.uint(Math.floor(v / 16777216) % 256);
    this.buf[this.pos++] = 0x2e;
    this.uint((v >>> 16) & 255);
    this.buf[this.pos++] = 0x2e;
    this.uint((v >>> 8) & 255);
    this.buf[this.pos++] = 0x2e;
    this.uint(v & 255);
    this.buf[this.pos++] = QUOTE;
  }

  private uint(n: number): void {
    if (n >= 10) this.uint(Math.floor(n / 10));
    this.buf[this.pos++] = 0x30 + (n % 10);
  }

  /**
   * A non-negative number with at most three decimals, as JavaScript prints it
   * (RTTs are rounded to the microsecond): 12, 0.5, 1000.047. Anything else
   * falls back to String().
   */
  private rtt(ms: number): void {
    const micro = Math.round(ms * 1000);
    if (!(ms >= 0) || micro / 1000 !== ms || micro > Number.MAX_SAFE_INTEGER) {
      this.ascii(String(ms));
      return;
    }
    this.uint(Math.floor(micro / 1000));
    let frac = micro % 1000;
    if (frac === 0) return;
    this.buf[this.pos++] = 0x2e;
    let digits = 3;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    for (let d = digits - 1; d >= 0; d--) this.buf[this.pos++] = 0x30 + (Math.floor(frac / 10 ** d) % 10);
  }
}
