/**
 * The CLI's Node flags (src/cli/node-flags.ts) are written in three places a
 * user's command goes through: the bin's shebang, `npm run scan`, and the
 * constant the bench and the lab start the CLI with. They must agree, or the
 * bench measures another program than the one users run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_NODE_FLAGS } from '../src/cli/node-flags.js';
import { packagePath } from '../src/paths.js';

describe('the CLI runs with its Node flags', () => {
  it('in the shebang of the source and of the built bin', () => {
    for (const file of [packagePath('src', 'cli', 'main.ts'), packagePath('dist', 'src', 'cli', 'main.js')]) {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      expect(first, file).toBe(`#!/usr/bin/env -S node ${CLI_NODE_FLAGS.join(' ')}`);
    }
  });

  it('in npm run scan', () => {
    const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
    expect(pkg.scripts.scan).toBe(`node ${CLI_NODE_FLAGS.join(' ')} ${pkg.bin.shardscan}`);
  });
});
