/**
 * Where a JSON text stops being JSON, as a line and column: V8's JSON.parse
 * gives an offset for some mistakes ("at position 412") and none for the
 * commonest ("Unexpected token '}'"), which in a 40-line config file left
 * the user to hunt for it. A small recursive-descent reader of RFC 8259,
 * used only once JSON.parse has refused the text; and, once it has taken a
 * config file, for a key an object gives twice (JSON.parse keeps the last).
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

class Stop {
  constructor(readonly at: number) {}
}

/** A key an object of the text gives twice, with the offsets of both (JSON.parse keeps the last without a word). */
export class DuplicateKey {
  constructor(
    readonly key: string,
    readonly first: number,
    readonly again: number,
  ) {}
}

/** The offset of the first character that cannot be JSON (text.length when the text ends too soon), or null when the text is JSON. */
export function jsonErrorOffset(text: string): number | null {
  const found = read(text, false);
  return found instanceof Stop ? found.at : null;
}

/** The first key that an object of `text` (JSON) gives twice, or null. */
export function duplicateKey(text: string): DuplicateKey | null {
  const found = read(text, true);
  return found instanceof DuplicateKey ? found : null;
}

/** Read `text` as JSON: where it stops being JSON, with `keys` a key given twice in one object, or null. */
function read(text: string, keys: boolean): Stop | DuplicateKey | null {
  let i = 0;
  const fail = (): never => {
    throw new Stop(i);
  };
  const ws = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const word = (w: string): void => {
    for (const c of w) {
      if (text[i] !== c) fail();
      i++;
    }
  };
  const digits = (): void => {
    const from = i;
    while (text[i]! >= '0' && text[i]! <= '9') i++;
    if (i === from) fail();
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/^[0-9a-fA-F]$/.test(text[i] ?? '')) fail();
          }
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail();
      }
      i++;
    }
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      const seen = keys ? new Map<string, number>() : null;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const from = i;
        string();
        if (seen !== null) {
          const key = JSON.parse(text.slice(from, i)) as string;
          const first = seen.get(key);
          if (first !== undefined) throw new DuplicateKey(key, first, from);
          seen.set(key, from);
        }
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === '}') {
          i++;
          return;
        }
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ']') {
          i++;
          return;
        }
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (c === '"') return string();
    if (c === 't') return word('true');
    if (c === 'f') return word('false');
    if (c === 'n') return word('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? new Stop(i) : null;
  } catch (err) {
    if (err instanceof Stop || err instanceof DuplicateKey) return err;
    // Nesting deeper than the stack: no place to give (JSON.parse's message still says what is wrong).
    if (err instanceof RangeError) return null;
    throw err;
  }
}

/** "line 3, column 8" for an offset in `text` (both from 1; a column counts UTF-16 code units, as editors mostly do). */
export function lineAndColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/** " (line 3, column 8)" where `text`, which JSON.parse refused, stops being JSON; '' when that cannot be told. */
export function jsonWhere(text: string): string {
  const at = jsonErrorOffset(text);
  return at === null ? '' : ` (${lineAndColumn(text, at)})`;
}
