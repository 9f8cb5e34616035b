/**
 * A host named on the command line keeps its name in the reports, as nmap
 * writes it: "Nmap scan report for localhost (127.0.0.1)", grep's
 * "Host: 127.0.0.1 (localhost)", XML's <hostname name="localhost"
 * type="user"/>; merge takes it from the shard directory. It was dropped:
 * only the address was shown.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, openPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

let open: Fixture;
beforeAll(async () => {
  open = await openPorts(1, '127.0.0.1');
});
afterAll(async () => open?.close());

describe('a host named on the command line', () => {
  it('is named in the text, grep and XML reports, and in a merge of its shard directory', async () => {
    const cwd = scratchDir();
    const port = String(open.ports[0]);
    const text = await runCli(['localhost', '127.0.0.2', '-p', port, '--states', 'all', '--out-dir', 'd', '-q'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('\nNmap scan report for localhost (127.0.0.1)\n');
    expect(text.stdout).toContain('\nNmap scan report for 127.0.0.2\n');

    const grep = await runCli(['localhost', '-p', port, '-f', 'grep', '--no-out-dir', '-q'], { cwd });
    expect(grep.stdout).toContain(`Host: 127.0.0.1 (localhost)\tPorts: ${port}/open/tcp`);

    const xml = await runCli(['localhost', '-p', port, '-f', 'xml', '--no-out-dir', '-q'], { cwd });
    expect(xml.stdout).toContain('<hostnames>\n<hostname name="localhost" type="user"/>\n</hostnames>');
    writeFileSync(join(cwd, 'r.xml'), xml.stdout);
    execFileSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', join(cwd, 'r.xml')]);

    const merged = await runCli(['merge', 'd'], { cwd });
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('\nNmap scan report for localhost (127.0.0.1)\n');
  });
});
