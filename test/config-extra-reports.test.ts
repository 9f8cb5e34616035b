/**
 * A --config file's "extraReports" next to -oN/-oX/-oG/-oJ/-oA: the flags add
 * reports, as nmap adds every report it is given, and as a config's main
 * report survives them. The config's were dropped without a word (audit D3):
 * `-oG cg.gnmap` with {"extraReports":[{"format":"xml","output":"cx.xml"}]}
 * wrote cg.gnmap alone, exit 0. The cap on reports counts both, and one file
 * named by both is refused.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, openPorts } from './fixtures/net.js';
import { runCli, scratchDir } from './helpers/cli.js';

let open: Fixture;
beforeAll(async () => {
  open = await openPorts(1);
});
afterAll(async () => {
  await open.close();
});

function withConfig(config: object): string {
  const cwd = scratchDir();
  writeFileSync(join(cwd, 'c.json'), JSON.stringify(config));
  return cwd;
}

describe("a config file's extraReports with -o* flags", () => {
  it('-oG adds a report: the config file\'s xml report is written too', async () => {
    const cwd = withConfig({ extraReports: [{ format: 'xml', output: 'cx.xml' }] });
    const r = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '--no-out-dir', '-q', '--config', 'c.json', '-oG', 'cg.gnmap'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'cg.gnmap'), 'utf8')).toContain(`${open.ports[0]}/open/tcp`);
    expect(existsSync(join(cwd, 'cx.xml'))).toBe(true);
    expect(readFileSync(join(cwd, 'cx.xml'), 'utf8')).toContain(`portid="${open.ports[0]}"><state state="open"`);
  });

  it('with the config\'s main report as well, all three are written', async () => {
    const cwd = withConfig({ format: 'csv', output: 'cm.csv', extraReports: [{ format: 'json', output: 'cj.json' }] });
    const r = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '--no-out-dir', '-q', '--config', 'c.json', '-oX', 'fx.xml'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['cm.csv', 'cj.json', 'fx.xml']) expect(readFileSync(join(cwd, f), 'utf8'), f).toContain(String(open.ports[0]));
  });

  it('the cap of 9 reports counts the config file\'s too', async () => {
    const extra = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => ({ format: 'json', output: `${n}.json` }));
    const cwd = withConfig({ format: 'csv', output: 'cm.csv', extraReports: extra });
    const r = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '--no-out-dir', '-q', '--config', 'c.json', '-oA', 'base'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('shardscan: error: at most 9 reports per run, and this asks for 10 (6 of them the config file\'s "extraReports")\n');
    expect(existsSync(join(cwd, 'base.xml'))).toBe(false);
  });

  it('one file named by the config file and by a flag is refused, exit 2', async () => {
    const cwd = withConfig({ extraReports: [{ format: 'xml', output: 'same.xml' }] });
    const r = await runCli(['127.0.0.1', '-p', String(open.ports[0]), '--no-out-dir', '-q', '--config', 'c.json', '-oX', 'same.xml', '-oG', 'g.gnmap'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shardscan: error: .* name the same file 'same\.xml'; give each its own\n$/);
  });
});
