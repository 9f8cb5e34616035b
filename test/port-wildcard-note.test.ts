/**
 * A service-name pattern in -p ('http*', 'x11*') matches only the names of
 * the built-in list of the 1,000 most common ports (data/tcp-ports.tsv; nmap's
 * nmap-services cannot ship here): `-p 'x11*'` scanned 11 ports where nmap
 * scans 62, exit 0 and no word (audit D1). The scan now says so in a note on
 * stderr (hidden by -q, as every note is); the exit status is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { portsNamed } from '../src/ports/services.js';
import { wildcardNotes } from '../src/ports/parse.js';
import { runCli } from './helpers/cli.js';

const NOTE = /^shardscan: note: -p 'x11\*': service-name pattern matched 11 ports, from the built-in list of the 1,000 most common ports \(data\/tcp-ports\.tsv\), not every port nmap names; give port numbers for others$/m;

describe('a service-name wildcard in -p', () => {
  it('the scan names how many ports it matched, and where the names come from', async () => {
    expect(portsNamed('x11*')).toHaveLength(11);
    const r = await runCli(['127.0.0.1', '-p', 'x11*', '--no-out-dir', '-f', 'csv', '--states', 'all']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(12); // the header and 11 records
    expect(r.stderr.match(new RegExp(NOTE.source, 'gm'))).toHaveLength(1);
  });

  it('-q hides it, as it hides every note', async () => {
    const r = await runCli(['127.0.0.1', '-p', 'x11*', '--no-out-dir', '-q', '-f', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a plain name gets none: one the list lacks is refused by name', () => {
    expect(wildcardNotes({ ports: 'ssh,http,22' })).toEqual([]);
  });

  it('several patterns are counted each and together; --exclude-ports gets its own', () => {
    const [p, x] = wildcardNotes({ ports: 'http*,T:ftp?,22', excludePorts: '*sql*' });
    expect(p).toMatch(/^note: -p 'http\*,T:ftp\?,22': service-name patterns matched \d+ ports \('http\*' 8, 'ftp\?' \d+\), from the built-in list/);
    expect(x).toMatch(new RegExp(`^note: --exclude-ports '\\*sql\\*': service-name pattern matched ${portsNamed('*sql*').length} ports`));
  });
});
