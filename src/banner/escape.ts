/**
 * Banners are untrusted bytes that end up in terminals, CSV cells and JSON
 * records: keep printable ASCII, spell out everything else, and cap the length.
 */

/** Default cap on an escaped banner, in characters. */
export const BANNER_CAP = 256;

/** Default cap on a product, version or extra-info value taken from an answer. */
export const FIELD_CAP = 80;

const NAMED: Readonly<Record<number, string>> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x5c: '\\\\' };

/** One byte's printable form. */
const byteText = (b: number): string => NAMED[b] ?? (b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`);

/**
 * Printable form of raw bytes, or of a string: 0x20-0x7e kept, backslash
 * doubled, \t \r \n named, every other byte as \xHH. A string is either
 * bytes (latin1, made from an answer: a character up to U+00FF is that byte)
 * or, with `decoded`, text (a certificate's names, which node decodes): every
 * character past ASCII is spelled as its UTF-8 bytes, as nmap spells them.
 * Keeping only a character's low byte turned a CJK issuer into the word
 * "google"; reading text as bytes wrote the ü of "Müller" as \xfc and its 中
 * as UTF-8, two encodings in one name. The result is at most `cap` characters
 * and never ends in half an escape, or in half a character's bytes.
 */
export function escapeBanner(data: Uint8Array | string, cap = BANNER_CAP, decoded = false): string {
  let out = '';
  const n = data.length;
  for (let i = 0; i < n; i++) {
    let piece: string;
    if (typeof data !== 'string') piece = byteText(data[i]!);
    else {
      const c = data.codePointAt(i)!;
      if (c <= (decoded ? 0x7f : 0xff)) piece = byteText(c);
      else {
        if (c > 0xffff) i++; // the low surrogate is part of this character
        piece = [...Buffer.from(String.fromCodePoint(c), 'utf8')].map(byteText).join('');
      }
    }
    if (out.length + piece.length > cap) break;
    out += piece;
  }
  return out;
}

/** A value for a record field: escaped (`decoded`: see escapeBanner), capped (ending in "..." when cut, so a cut value is not taken for whole), trimmed. */
export function cleanField(value: string, cap = FIELD_CAP, decoded = false): string {
  const whole = escapeBanner(value, Infinity, decoded);
  if (whole.length <= cap) return whole.trim();
  return `${escapeBanner(value, cap - 3, decoded).trimEnd()}...`;
}
