/**
 * A target or exclude list read from stdin (-iL -, --exclude-file -). It is
 * read at once, into the command line's lists, so the shard directory's
 * manifest holds it and a resume does not read stdin again; that cost a bad
 * token its line ("bad target '127.0.0.500'" somewhere in a piped list).
 * Each token's form is checked here, as it is read, and refused with its line.
 */
import { type ListPlace, listTokens, placed, readListText } from './list-file.js';
import { MAX_IPV6_PREFIX_BITS, asExclusion, parseTargetToken } from './parse.js';

export function readStdinList(what: 'target' | 'exclude'): string[] {
  const where: ListPlace = { file: '-', line: 0 };
  // As readTokens reads them: an exclusion may be any IPv6 network (a blocklist's /32).
  const maxV6Bits = what === 'exclude' ? 128 : MAX_IPV6_PREFIX_BITS;
  const out: string[] = [];
  for (const token of listTokens(readListText('-', what), where)) {
    try {
      parseTargetToken(token, maxV6Bits);
    } catch (err) {
      throw placed(what === 'exclude' ? asExclusion(err) : err, where);
    }
    out.push(token);
  }
  return out;
}
