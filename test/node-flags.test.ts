/**
 * The CLI's Node flags (src/cli/node-flags.ts) are written in three places a
 * user's command goes through: the bin's shebang, `npm run scan`, and the
 * constant the bench and the lab start the CLI with; so is the environment
 * it drops (NODE_EXTRA_CA_CERTS, ~40 ms of every start). They must agree, or
 * the bench measures another program than the one users run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_NODE_FLAGS, CLI_SHEBANG, CLI_UNSET_ENV, cliEnv } from '../src/cli/node-flags.js';
import { packagePath } from '../src/paths.js';

describe('the CLI runs with its Node flags', () => {
  it('in the shebang of the source and of the built bin', () => {
    for (const file of [packagePath('src', 'cli', 'main.cts'), packagePath('dist', 'src', 'cli', 'main.cjs'), packagePath('dist', 'src', 'cli', 'main.js')]) {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      expect(first, file).toBe(CLI_SHEBANG);
      expect(first, file).toBe(`#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node ${CLI_NODE_FLAGS.join(' ')}`);
    }
  });

  it('in npm run scan', () => {
    const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(pkg.scripts.scan).toBe(`env ${CLI_UNSET_ENV.map((v) => `-u ${v} `).join('')}node ${CLI_NODE_FLAGS.join(' ')} ${pkg.bin.shardscan}`);
  });

  it('without the environment it drops, in the built bin as run and for the bench', () => {
    expect(cliEnv({ NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', PATH: '/bin' })).toEqual({ PATH: '/bin' });
    // The shebang as the kernel runs it. Node warns on stderr as it boots when
    // the file cannot be read: the warning shows whether Node saw the variable.
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/extra-ca.pem' };
    const plain = spawnSync(process.execPath, ['-e', '0'], { env, encoding: 'utf8' });
    expect(plain.stderr).toContain('Ignoring extra certs');
    for (const file of ['main.cjs', 'main.js']) {
      const bin = spawnSync(packagePath('dist', 'src', 'cli', file), ['--version'], { env, encoding: 'utf8' });
      expect(bin.status, file).toBe(0);
      expect(bin.stdout.trim(), file).toMatch(/^\d+\.\d+\.\d+/);
      expect(bin.stderr, file).not.toContain('Ignoring extra certs');
    }
  });
});
