/**
 * Refusals of input that said too little (found by this round's audit of
 * targets and ports): a UTF-16 -iL list, short address forms, an argument
 * like -127.0.0.1, an --exclude-ports list called "bad port list" with a -p
 * example, and a failed lookup of localhost suggesting localhost.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeArgv } from '../src/cli/options.js';
import { argvRefusal } from '../src/cli/refusals.js';
import { buildPorts } from '../src/ports/parse.js';
import { type Resolver, buildTargets, parseTargetToken } from '../src/targets/parse.js';
import { runCli, scratchDir } from './helpers/cli.js';

const noDns: Resolver = async (name) => {
  throw new Error(`no lookups here (${name})`);
};

describe('input refusals that say why', () => {
  it('an -iL list saved as UTF-16 is named as such (its first token was "bad target \'\\ufffd\\ufffd1\\u00002…\'")', async () => {
    const path = join(scratchDir(), 'list.txt');
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('127.0.0.1\r\n', 'utf16le')]));
    await expect(buildTargets({ targets: [], inputFile: path }, noDns)).rejects.toThrow(`the target list '${path}' is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8 or ASCII, e.g. iconv -f UTF-16 -t UTF-8`);
  });

  it('an -iL list saved as UTF-16LE with no byte-order mark is named UTF-16 too (it was "bad target" with NULs)', async () => {
    const path = join(scratchDir(), 'list.txt');
    writeFileSync(path, Buffer.from('127.0.0.1\n127.0.0.2\n', 'utf16le'));
    await expect(buildTargets({ targets: [], inputFile: path }, noDns)).rejects.toThrow(`the target list '${path}' is UTF-16 (NUL bytes between its characters); save it as UTF-8`);
  });

  it('a UTF-16BE exclude list with no mark, likewise', async () => {
    const path = join(scratchDir(), 'skip.txt');
    writeFileSync(path, Buffer.from('127.0.0.1\n', 'utf16le').swap16());
    await expect(buildTargets({ targets: ['127.0.0.1'], excludeFile: path }, noDns)).rejects.toThrow(`the exclude list '${path}' is UTF-16 (NUL bytes between its characters)`);
  });

  it.each(['127.1', '127.0.1', '2130706433', '10.1/8'])('%s is refused as a short address form', (token) => {
    expect(() => parseTargetToken(token)).toThrow(`bad target '${token}': a short address form (inet_aton reads 127.1 and 2130706433 as 127.0.0.1; nmap does not): write all four octets, e.g. 127.0.0.1.`);
  });

  it('an argument that starts with "-" and a digit is not an option (-127.0.0.1 was "unexpected arguments \'1\', \'2\', \'7\'")', () => {
    // After --, it would be nmap's octet range 0-127 in the first octet (0.0.0.2 to 127.0.0.2): said, not "never".
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-127.0.0.2', '-p', '1']))).toBe("-127.0.0.2 is not an option (after --, a target that starts with '-' is an octet range: -127.0.0.2 is 0-127.0.0.2, 128 addresses); did you mean 127.0.0.2?");
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-5']))).toBe('-5 is not an option');
    // Values that start with "-" and a digit are their option's.
    expect(argvRefusal(normalizeArgv(['127.0.0.1', '-p', '-1024', '--retries', '-1']))).toBeNull();
  });

  it('--exclude-ports is named in its own refusal', () => {
    expect(() => buildPorts({ ports: '1-5', excludePorts: 'nosuch' })).toThrow("bad --exclude-ports 'nosuch' at 'nosuch': no service of that name in the built-in list (data/tcp-ports.tsv); give its port number. Example: --exclude-ports 22,80,1000-2000");
    expect(() => buildPorts({ ports: 'nosuch' })).toThrow("bad port list 'nosuch' at 'nosuch': no service of that name in the built-in list (data/tcp-ports.tsv); give its port number. Example: -p 22,80,1000-2000 (or -p- for all)");
  });

  it('a lookup of localhost that fails suggests an address, not localhost (no network, and a hosts file without it)', async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, 'hosts'), '127.0.0.1 other-name\n');
    const r = await runCli(['localhost', '-p', '1', '--no-out-dir'], { cwd, prefix: `unshare -m -n sh -c 'mount --bind "${join(cwd, 'hosts')}" /etc/hosts; exec "$0" "$@"'` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: cannot resolve host name 'localhost' \(\w+\); give an address, or a name your resolver knows, e.g\. 127\.0\.0\.1\n$/);
  });
});
