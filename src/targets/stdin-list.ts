/**
 * A target or exclude list read from stdin (-iL -, --exclude-file -). It is
 * read at once, into the command line's lists, so the shard directory's
 * manifest holds it and a resume does not read stdin again; that cost a bad
 * token its line ("bad target '127.0.0.500'" somewhere in a piped list).
 * Each token's form is checked here, as it is read, and refused with its line.
 * A config file's lists are checked the same way, before they join the
 * command line's, and refused with the file's name.
 */
import { type ListPlace, listTokens, placed, prefixed, readListText, splitList } from './list-file.js';
import { MAX_IPV6_PREFIX_BITS, asExclusion, parseTargetToken } from './parse.js';

/** A token's form, as readTokens will read it: throws its refusal, worded for a target or an exclusion. */
function checkToken(token: string, what: 'target' | 'exclude'): void {
  try {
    // An exclusion may be any IPv6 network (a blocklist's /32).
    parseTargetToken(token, what === 'exclude' ? 128 : MAX_IPV6_PREFIX_BITS);
  } catch (err) {
    throw what === 'exclude' ? asExclusion(err) : err;
  }
}

export function readStdinList(what: 'target' | 'exclude'): string[] {
  const where: ListPlace = { file: '-', line: 0 };
  const out: string[] = [];
  for (const token of listTokens(readListText('-', what), where)) {
    try {
      checkToken(token, what);
    } catch (err) {
      throw placed(err, where);
    }
    out.push(token);
  }
  return out;
}

/**
 * The tokens of a config file's "targets" or "exclude" entries, checked for
 * their form; a refusal names `source` (`config file 'scan.json': "targets"`):
 * "bad target '127.0.0.010'" alone did not say that the file held it.
 */
export function checkListed(entries: readonly string[], what: 'target' | 'exclude', source: string): void {
  for (const entry of entries) {
    for (const token of splitList(entry)) {
      try {
        checkToken(token, what);
      } catch (err) {
        throw prefixed(err, source);
      }
    }
  }
}
